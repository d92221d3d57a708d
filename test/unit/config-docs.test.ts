import { readFileSync } from 'node:fs';
import { CONFIGURATION_PAGE, configurationPage } from '../../scripts/config-docs';
import { sharedEnvSchema } from '../../common/settings';
import { workerEnvSchema } from '../../worker/settings';

describe('docs/configuration.md', () => {
  it('is what the settings schemas generate (else: npm run docs:config)', () => {
    expect(readFileSync(CONFIGURATION_PAGE, 'utf8')).toBe(configurationPage());
  });

  it('names every variable the client and the worker read', () => {
    const page = configurationPage();
    for (const name of Object.keys({ ...sharedEnvSchema.shape, ...workerEnvSchema.shape }))
      expect(page).toContain(`\`${name}\``);
  });
});
