import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { freePort } from '../dev/processes';
import { startDevServer, type DevServer } from '../dev/temporal-dev-server';

export interface BenchEnv {
  server: DevServer;
  client: Client;
  nativeConnection: NativeConnection;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * A dev server of its own (free port, fresh SQLite file), so a benchmark (or the history recorder) never shares state
 * with anything.
 */
export async function benchEnv(): Promise<BenchEnv> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wfm-push-bench-'));
  const server = await startDevServer({
    port: await freePort(),
    headless: true,
    dbFile: path.join(dir, 'temporal.sqlite'),
  });
  const client = new Client({ connection: await Connection.connect({ address: server.address }) });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  return {
    server,
    client,
    nativeConnection,
    dataDir: path.join(dir, 'data'),
    close: async () => {
      await nativeConnection.close();
      await client.connection.close();
      await server.stop();
    },
  };
}

export function machine(): string {
  return `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}
