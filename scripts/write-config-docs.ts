// `npm run docs:config`: writes docs/configuration.md from the settings schemas (scripts/config-docs.ts).
import { writeFileSync } from 'node:fs';
import { CONFIGURATION_PAGE, configurationPage } from './config-docs';

writeFileSync(CONFIGURATION_PAGE, configurationPage());
console.error('wrote docs/configuration.md');
