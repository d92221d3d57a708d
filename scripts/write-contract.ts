// Writes the JSON Schemas of the public bulkPush contract (docs/start-a-push.md) from the zod schemas they document:
// `npm run contract`. test/unit/contract.test.ts fails while a checked-in schema differs from what this writes.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { contractJsonSchemas } from '../model/push-start';

const folder = path.resolve(__dirname, '../docs/contract');
for (const [name, schema] of Object.entries(contractJsonSchemas())) {
  writeFileSync(path.join(folder, name), `${JSON.stringify(schema, null, 2)}\n`);
  console.error(`wrote docs/contract/${name}`);
}
