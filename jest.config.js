/**
 * Two lanes (docs/contributing.md says which to run when):
 * - `fast` (`npm test`): unit tests, the simulators, and integration tests on the one Temporal dev server that global
 *   setup starts. Everything it needs is installed by `npm ci` and the pinned Temporal CLI.
 * - `slow` (`npm run test:all` runs both lanes): tests that build, install or start something heavy first: the
 *   Temporal cluster and its Go-built server, PostgreSQL, Prometheus (Debian's package, with promtool), Chromium, the Python SDK, an `npm pack` install; and the
 *   tests that kill and restart whole processes (workers, the dev server, demos, benchmarks) and wait out their
 *   timeouts, which take two minutes between them.
 */
const SLOW = [
  '**/test/cluster/**/*.test.ts',
  '**/test/browser/**/*.test.ts',
  '**/test/package/npm-install.test.ts',
  '**/test/deploy/temporal-server.test.ts',
  '**/test/deploy/prometheus.test.ts',
  '**/test/stores/postgres-*.test.ts',
  '**/test/integration/postgres-store.test.ts',
  '**/test/integration/store-outage.test.ts',
  '**/test/integration/python-client.test.ts',
  '**/test/integration/durability.test.ts',
  '**/test/integration/nothing-left-running.test.ts',
];

/** What both lanes share (Jest does not pass project options down from the top level). */
const lane = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...lane, displayName: 'fast', testMatch: ['**/*.test.ts', ...SLOW.map((glob) => `!${glob}`)] },
    { ...lane, displayName: 'slow', testMatch: SLOW },
  ],
  // One real Temporal dev server for the whole run, whichever lanes run.
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // The Temporal native bridge keeps a handle open after teardown (sdk-typescript issue #928).
  forceExit: true,
  // Integration tests start workers and push real schedules through a real dev server.
  testTimeout: 180_000,
  // Two cores: one jest worker leaves the other to the Temporal dev server.
  maxWorkers: 1,
};
