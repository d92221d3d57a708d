import path from 'node:path';
import { freePort } from '../dev/processes';
import { startDevServer, type DevServer } from '../dev/temporal-dev-server';
import { startTemporalCluster, type TemporalCluster } from '../test/infra/temporal-cluster';
import { TEMPORAL_SERVER_VERSION } from '../test/infra/temporal-server-build';
import { alsoOnInterrupt } from './support';

/**
 * A Temporal deployment a benchmark can crash and bring back on the same state: the dev server, or a cluster whose
 * history service is killed and restarted.
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

/**
 * A production-style cluster (test/infra/temporal-cluster.ts: four service processes on PostgreSQL) whose history service,
 * the one that owns workflow state, is SIGKILLed and restarted; the frontend keeps answering meanwhile.
 */
export async function clusterHistoryTarget(dir: string): Promise<CrashableTemporal> {
  let cluster: TemporalCluster | undefined;
  const started = await startTemporalCluster({ dir: path.join(dir, 'cluster') });
  cluster = started;
  // Its PostgreSQL is no service of ours: an interrupted bench stops the cluster whole.
  const stopCluster = alsoOnInterrupt(() => started.stop());
  return {
    description: `the history service of a Temporal ${TEMPORAL_SERVER_VERSION} cluster (four processes, PostgreSQL)`,
    address: started.address,
    // Already started above: the cluster's address is only known once it runs.
    start: async () => {},
    kill: async () => {
      await cluster?.killService('history');
    },
    restart: async () => {
      await cluster?.startService('history');
    },
    stop: async () => {
      await stopCluster();
      cluster = undefined;
    },
  };
}
