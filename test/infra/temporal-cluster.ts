import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { grpc } from '@temporalio/proto';
import pg from 'pg';
import { sleep } from '../../common/sleep';
import { startThrowawayPostgres, type ThrowawayPostgres } from './postgres';
import { freePort, startService, type Service } from '../../dev/processes';
import {
  CLUSTER_SERVICES,
  dynamicConfig,
  serviceConfig,
  TEMPORAL_DATABASES,
  type ClusterServiceName,
  type ServicePorts,
} from './temporal-cluster-config';
import { ensureTemporalCli } from '../../dev/temporal-dev-server';
import { CLUSTER_NAMESPACE, createDatabases, createNamespace, serverEnv } from './temporal-cluster-setup';
import { ensureTemporalServer } from './temporal-server-build';

export { CLUSTER_SERVICES, type ClusterServiceName } from './temporal-cluster-config';
export { CLUSTER_NAMESPACE } from './temporal-cluster-setup';

export interface TemporalClusterOptions {
  /** Config files and service logs. Default: a new folder under the system temp folder. */
  dir?: string;
  /** A PostgreSQL to put Temporal's databases in (the caller stops it). Default: a throwaway one the cluster stops. */
  postgres?: ThrowawayPostgres;
  /** Dynamic config values (`{ key: value }`), read by every service. Default none: v1.32.0's defaults. */
  dynamicConfig?: Readonly<Record<string, unknown>>;
  /** History shards, fixed for the cluster's life. Default 4: enough for tests, fast to acquire at start. */
  numHistoryShards?: number;
  /** The Temporal CLI that creates the namespace and search attributes (`TEMPORAL_CLI_PATH`). Default the pinned one. */
  cliPath?: string;
  log?: (line: string) => void;
}

/** A running production-style cluster: PostgreSQL, four Temporal services as processes of their own. */
export interface TemporalCluster {
  /** The frontend's gRPC address, what clients and workers connect to. */
  address: string;
  namespace: string;
  /** The PostgreSQL holding Temporal's databases; more can be created in it (`createDatabase`). */
  postgres: ThrowawayPostgres;
  dir: string;
  logFile(service: ClusterServiceName): string;
  /** Whether the service's process is running. */
  isRunning(service: ClusterServiceName): boolean;
  /** Stops the services (frontend last), then the PostgreSQL the cluster started. */
  stop(): Promise<void>;
  /** SIGTERM (a graceful drain), SIGKILL after `graceMs` (default 15 s). */
  stopService(service: ClusterServiceName, graceMs?: number): Promise<void>;
  /** Starts a stopped service and resolves once it reports SERVING. */
  startService(service: ClusterServiceName): Promise<void>;
  restartService(service: ClusterServiceName): Promise<void>;
  /** Sends `signal` (default SIGKILL: a crash) and resolves once the process is gone. */
  killService(service: ClusterServiceName, signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts a Temporal cluster as production runs one: the server built from the Go module proxy (TEMPORAL_SERVER_VERSION),
 * its schema applied to PostgreSQL with the SQL tool, frontend, history, matching and worker as four processes, each
 * with its own config file and log, then the `default` namespace and the project's search attributes created with the
 * Temporal CLI. Resolves once every service reports SERVING and the namespace takes requests.
 */
export async function startTemporalCluster(options: TemporalClusterOptions = {}): Promise<TemporalCluster> {
  const log = options.log ?? (() => {});
  const [binaries, cli] = await Promise.all([
    ensureTemporalServer({ log }),
    ensureTemporalCli({ cliPath: options.cliPath, log }),
  ]);
  const started = Date.now();
  const dir = options.dir ?? mkdtempSync(path.join(tmpdir(), 'wfm-push-cluster-'));
  mkdirSync(dir, { recursive: true });
  const ownPostgres = options.postgres === undefined;
  const postgres = options.postgres ?? (await startThrowawayPostgres({ log }));
  let ports: Record<ClusterServiceName, ServicePorts>;
  try {
    await createDatabases(binaries, postgres, log);
    ports = await servicePorts();
  } catch (err) {
    if (ownPostgres) await postgres.stop();
    throw err;
  }
  const dynamicConfigFile = path.join(dir, 'dynamic-config.yaml');
  writeFileSync(dynamicConfigFile, dynamicConfig(options.dynamicConfig));
  const configFile = (service: ClusterServiceName) => path.join(dir, `${service}.yaml`);
  const numHistoryShards = options.numHistoryShards ?? 4;
  for (const service of CLUSTER_SERVICES) {
    const config = serviceConfig({ service, ports, database: postgres, numHistoryShards, dynamicConfigFile });
    writeFileSync(configFile(service), config, { mode: 0o600 }); // it holds the database password
  }

  const address = `127.0.0.1:${ports.frontend.grpcPort}`;
  const logFile = (service: ClusterServiceName) => path.join(dir, `${service}.log`);
  const running = new Map<ClusterServiceName, Service>();
  const cluster: TemporalCluster = {
    address,
    namespace: CLUSTER_NAMESPACE,
    postgres,
    dir,
    logFile,
    isRunning: (service) => running.has(service),
    async stop() {
      // The frontend last, so the others drain while clients still reach the front door.
      for (const service of ['worker', 'matching', 'history', 'frontend'] as const)
        await cluster.stopService(service, 5_000);
      if (ownPostgres) await postgres.stop();
    },
    async stopService(service, graceMs) {
      await running.get(service)?.stop(graceMs);
      running.delete(service);
    },
    async startService(service) {
      if (running.has(service)) throw new Error(`the ${service} service is already running`);
      const child = startService(
        `Temporal ${service}`,
        binaries.server,
        ['--config-file', configFile(service), '--allow-no-auth', 'start', '--service', service],
        { env: serverEnv(), logFile: logFile(service) },
      );
      running.set(service, child);
      // A service that dies on its own is no longer running, and may be started again.
      void child.exited.then(() => {
        if (running.get(service) === child) running.delete(service);
      });
      await untilServing(service, `127.0.0.1:${ports[service].grpcPort}`, child);
    },
    async restartService(service) {
      await cluster.stopService(service);
      await cluster.startService(service);
    },
    async killService(service, signal = 'SIGKILL') {
      const child = running.get(service);
      if (!child) return;
      signalGroup(child.pid, signal);
      await child.exited;
      running.delete(service);
    },
  };

  try {
    // The four at once, as hosts come up in production (each waits in the membership ring for the others), but the
    // first start of a cluster writes its metadata row, and services racing to insert it make all but one exit
    // (duplicate key): the frontend goes first, the others once the row is there.
    const frontend = cluster.startService('frontend');
    let frontendSettled = false;
    void frontend.then(
      () => (frontendSettled = true),
      () => (frontendSettled = true),
    );
    await Promise.race([frontend, untilClusterMetadata(postgres, () => frontendSettled)]);
    await Promise.all([
      frontend,
      ...CLUSTER_SERVICES.filter((s) => s !== 'frontend').map((service) => cluster.startService(service)),
    ]);
    await createNamespace(cli, address);
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  log(
    `Temporal cluster ready on ${address} in ${((Date.now() - started) / 1000).toFixed(1)} s (logs in ${dir})`,
  );
  return cluster;
}

/** The names each service's gRPC health server reports under (v1.32.0's service packages). */
const HEALTH_CHECK_NAMES: Record<ClusterServiceName, string> = {
  frontend: 'temporal.api.workflowservice.v1.WorkflowService',
  history: 'temporal.api.workflowservice.v1.HistoryService',
  matching: 'temporal.api.workflowservice.v1.MatchingService',
  worker: 'temporal.api.workflowservice.v1.WorkerService',
};

/**
 * Polls the service's gRPC health check until it says SERVING: the frontend once it joined the membership ring,
 * history once it holds its shards (and 5 s more), matching and worker once they serve.
 */
async function untilServing(service: ClusterServiceName, address: string, child: Service): Promise<void> {
  const connection = Connection.lazy({ address });
  const deadline = Date.now() + 120_000;
  try {
    for (;;) {
      const code = await Promise.race([child.exited, sleep(250).then(() => 'running' as const)]);
      if (code !== 'running')
        throw new Error(`the Temporal ${service} service exited (code ${code}); see ${child.logFile}`);
      if (await isServing(connection, HEALTH_CHECK_NAMES[service])) return;
      if (Date.now() > deadline)
        throw new Error(`the Temporal ${service} service was not SERVING within 120 s; see ${child.logFile}`);
    }
  } finally {
    await connection.close();
  }
}

async function isServing(connection: Connection, service: string): Promise<boolean> {
  try {
    const { status } = await connection.withDeadline(Date.now() + 2_000, () =>
      connection.healthService.check({ service }),
    );
    return status === grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING;
  } catch {
    return false; // not listening yet, or the service not registered yet
  }
}

/**
 * Distinct free ports for each service's gRPC and membership, below 32768: the cluster_membership table keeps the
 * membership port as a smallint, and the kernel's own pick of a free port (32768 and up) would overflow it.
 */
async function servicePorts(): Promise<Record<ClusterServiceName, ServicePorts>> {
  const taken = new Set<number>();
  const next = async (): Promise<number> => {
    for (let attempt = 0; attempt < 200; attempt++) {
      const candidate = 10_000 + Math.floor(Math.random() * 22_000);
      if (!taken.has(candidate) && (await freePort(candidate)) === candidate) {
        taken.add(candidate);
        return candidate;
      }
    }
    throw new Error('no free port below 32768 for the Temporal services');
  };
  const ports: Partial<Record<ClusterServiceName, ServicePorts>> = {};
  for (const service of CLUSTER_SERVICES)
    ports[service] = { grpcPort: await next(), membershipPort: await next() };
  return ports as Record<ClusterServiceName, ServicePorts>;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * Waits until the cluster's metadata row exists (written by the first service to start on a new database), or until
 * `gaveUp()` (the service it waits on has ended either way).
 */
async function untilClusterMetadata(
  postgres: ThrowawayPostgres,
  gaveUp: () => boolean,
  timeoutMs = 120_000,
): Promise<void> {
  const client = new pg.Client({ connectionString: postgres.url(TEMPORAL_DATABASES.default) });
  await client.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rows = await client
        .query('SELECT 1 FROM cluster_metadata_info LIMIT 1')
        .then((r) => r.rowCount ?? 0)
        .catch(() => 0);
      if (rows > 0 || gaveUp()) return;
      if (Date.now() > deadline) throw new Error(`no Temporal cluster metadata within ${timeoutMs} ms`);
      await sleep(200);
    }
  } finally {
    await client.end();
  }
}
