import path from 'node:path';
import { freePort } from '../dev/processes';
import { startDevServer, type DevServer } from '../dev/temporal-dev-server';

/**
 * A Temporal deployment a benchmark can crash and bring back on the same state: the dev server here; a cluster whose
 * history service is killed and restarted can implement the same three steps.
 */
export interface CrashableTemporal {
  /** What is killed and restarted, for the benchmark's output. */
  readonly description: string;
  /** The frontend's gRPC address, the same before and after a restart. */
  readonly address: string;
  /** Starts it; resolves once it answers. */
  start(): Promise<void>;
  /** SIGKILL, with no shutdown: as a crash, an OOM kill or an operator's kill -9 ends it. */
  kill(): Promise<void>;
  /** Starts again what `kill` ended, on the same state and ports; resolves once it answers. */
  restart(): Promise<void>;
  /** Stops everything it started. */
  stop(): Promise<void>;
}

/** The dev server (one process, SQLite) on a free port, killed as a whole process group and restarted on its file. */
export async function devServerTarget(dir: string): Promise<CrashableTemporal> {
  const port = await freePort();
  const dbFile = path.join(dir, 'temporal.sqlite');
  const options = { port, headless: true, dbFile, cliPath: process.env.TEMPORAL_CLI_PATH };
  let server: DevServer | undefined;
  const start = async () => {
    server = await startDevServer(options);
  };
  return {
    description: 'the Temporal dev server (one process, SQLite file, WAL)',
    address: `127.0.0.1:${port}`,
    start,
    kill: async () => {
      await server?.kill();
      server = undefined;
    },
    restart: start,
    stop: async () => {
      await server?.stop();
      server = undefined;
    },
  };
}
