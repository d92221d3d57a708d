import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../dev/processes';
import { startDevServer, type DevServer } from '../../dev/temporal-dev-server';

declare global {
  var wfmPushDevServer: DevServer | undefined;
}

/**
 * One real Temporal dev server for the whole run (installed from PyPI when missing), on a free port with its own
 * SQLite file. Jest hands it to the test files through the environment (TEMPORAL_ADDRESS), the only channel it
 * offers from global setup to test workers.
 */
export default async function globalSetup(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wfm-push-test-'));
  const port = await freePort();
  const server = await startDevServer({
    port,
    headless: true,
    dbFile: path.join(dir, 'temporal.sqlite'),
    cliPath: process.env.TEMPORAL_CLI_PATH,
    log: (line) => process.stderr.write(`${line}\n`),
    // A test run that is killed (a CI timeout) takes its server with it.
    tiedToThisProcess: true,
  });
  globalThis.wfmPushDevServer = server;
  process.env.TEMPORAL_ADDRESS = server.address;
  process.env.WFM_PUSH_TEST_DIR = dir;
}
