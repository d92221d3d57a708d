import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ensureTemporalServer } from '../../dev/temporal-server-build';

const run = promisify(execFile);
const DEPLOY = path.resolve(__dirname, '../../deploy');

/** Slow lane: the first run builds the Temporal server from source (Go toolchain included). */
describe('the dynamic config the Temporal services mount', () => {
  it(
    'passes the server’s own check',
    async () => {
      const { server } = await ensureTemporalServer({ log: (line) => process.stderr.write(`${line}\n`) });
      const file = path.join(DEPLOY, 'temporal-dynamic-config.yaml');
      const { stdout } = await run(server, ['validate-dynamic-config', file]);
      expect(stdout.trim().split('\n')).toEqual([file]); // the file name, and no warning or error under it
    },
    20 * 60_000,
  );
});
