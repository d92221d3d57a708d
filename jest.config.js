/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // Integration tests start workers and push real schedules through a real dev server.
  testTimeout: 180_000,
  // The Temporal native bridge keeps a handle open after teardown (sdk-typescript issue #928).
  forceExit: true,
  // Two cores: one jest worker leaves the other to the Temporal dev server.
  maxWorkers: 1,
};
