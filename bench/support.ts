import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { readFile } from 'node:fs/promises';
import { loadPayloadCodec } from '../common/codec-keys';
import { dataConverterFor } from '../common/data-converter';
import { sleep } from '../common/sleep';
import { PUSH_DEFAULTS } from '../model/push-options';
import { freePort, startCliProcess, stopAllServices, type Service } from '../dev/processes';
import { startDevServer, type DevServer } from '../dev/temporal-dev-server';
import { startTemporalCluster } from '../test/infra/temporal-cluster';
import { TEMPORAL_SERVER_VERSION } from '../test/infra/temporal-server-build';
import { AesGcmCodec, newCodecKeyLine, parseCodecKeys } from '../common/codec';

/** What the environments of this bench hold that is not a service: the cluster's PostgreSQL, client connections. */
const envClosers = new Set<() => Promise<void>>();

/**
 * Ctrl-C (or SIGTERM) of a benchmark stops what it started. The terminal's signal reaches the bench only: its dev
 * server, cluster and workers run in process groups of their own, and its `finally` blocks never run on a signal.
 */
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    console.error(`\n${signal}: stopping what the benchmark started ...`);
    void stopAllServices()
      .then(() => Promise.allSettled([...envClosers].map((close) => close())))
      .finally(() => process.exit(130));
  });

export interface BenchEnv {
  server: Pick<DevServer, 'address'>;
  client: Client;
  nativeConnection: NativeConnection;
  dataDir: string;
  /** What this Temporal is, for the printed conditions. */
  temporal: string;
  /** The plan and result store the bench's workers and client share (WFM_PUSH_STORE); the data folder if unset. */
  storeUrl?: string;
  /** The payload key every process uses (WFM_PUSH_CODEC_KEYS) when they share no data folder. */
  codecKeys?: string;
  close(): Promise<void>;
}

/**
 * A dev server of its own (free port, fresh SQLite file), so a benchmark (or the history recorder) never shares state
 * with anything.
 */
export async function benchEnv({ encryption = true } = {}): Promise<BenchEnv> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wfm-push-bench-'));
  const server = await startDevServer({
    port: await freePort(),
    headless: true,
    dbFile: path.join(dir, 'temporal.sqlite'),
    // Ended with the bench however it ends: a bench killed with its process group left its server running.
    tiedToThisProcess: true,
  });
  const dataDir = path.join(dir, 'data');
  const client = await benchClient(server.address, dataDir, { encryption });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  return {
    server,
    client,
    nativeConnection,
    dataDir,
    temporal: 'dev server on SQLite (WAL)',
    close: alsoOnInterrupt(async () => {
      await nativeConnection.close();
      await client.connection.close();
      await server.stop();
    }),
  };
}

/**
 * A production-style Temporal cluster of its own (test/infra/temporal-cluster.ts: four services on PostgreSQL) with the plan
 * and result store in a database beside Temporal's, and one payload key for every process (no shared folder).
 */
export async function benchClusterEnv(): Promise<BenchEnv> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wfm-push-bench-'));
  const cluster = await startTemporalCluster({ dir: path.join(dir, 'cluster'), log: (l) => console.log(l) });
  try {
    await cluster.postgres.createDatabase('wfm_push_bench');
    const codecKeys = newCodecKeyLine();
    const dataDir = path.join(dir, 'data');
    const codec = new AesGcmCodec(parseCodecKeys(codecKeys, 'bench'));
    const client = new Client({
      connection: await Connection.connect({ address: cluster.address }),
      dataConverter: dataConverterFor(codec),
    });
    const nativeConnection = await NativeConnection.connect({ address: cluster.address });
    return {
      server: { address: cluster.address },
      client,
      nativeConnection,
      dataDir,
      temporal: `Temporal ${TEMPORAL_SERVER_VERSION} cluster (frontend, history, matching, worker as processes; PostgreSQL ${cluster.postgres.port})`,
      storeUrl: cluster.postgres.url('wfm_push_bench'),
      codecKeys,
      close: alsoOnInterrupt(async () => {
        await nativeConnection.close();
        await client.connection.close();
        await cluster.stop();
      }),
    };
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}

/**
 * A client of the Temporal server at `address` that encrypts with the key the bench's worker processes generate into
 * (or find in) `dataDir`: as a user runs it.
 */
export async function benchClient(
  address: string,
  dataDir: string,
  { encryption = true } = {},
): Promise<Client> {
  const codec = encryption
    ? await loadPayloadCodec({
        encryption: 'on',
        codecKeys: undefined,
        codecKeyFile: undefined,
        dataDir,
        store: { kind: 'file' },
      })
    : undefined;
  return new Client({
    connection: await Connection.connect({ address }),
    dataConverter: dataConverterFor(codec),
  });
}

export function machine(): string {
  return `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

/**
 * A `wfm-push worker` process on `env`'s dev server with default settings but for `settings` (the caller's own WFM_*
 * and TEMPORAL_* variables are not passed on: a benchmark measures the defaults unless it says otherwise). Resolves
 * once the worker polls.
 */
export async function startBenchWorker(
  env: { dataDir: string; server: { address: string } },
  name: string,
  settings: Record<string, string>,
): Promise<Service> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('WFM_') && !key.startsWith('TEMPORAL_')),
  );
  const logFile = path.join(env.dataDir, '..', `${name}.log`);
  const worker = startCliProcess(
    name,
    ['worker'],
    { ...inherited, TEMPORAL_ADDRESS: env.server.address, WFM_PUSH_DATA_DIR: env.dataDir, ...settings },
    logFile,
    // Ended with the bench, however it ends (a SIGKILL or a killed process group included).
    { tiedToThisProcess: true },
  );
  const deadline = Date.now() + 60_000;
  while (!(await readFile(logFile, 'utf8').catch(() => '')).includes('"msg":"worker running"')) {
    if (Date.now() > deadline) throw new Error(`${name} did not start within 60 s; see ${logFile}`);
    await sleep(200);
  }
  return worker;
}

/**
 * The value at quantile `q` (0–1) of `values`: the one at rank ⌊q·n⌋ of the sorted values (for 0.5, the upper of the
 * two middle ones); NaN for none.
 */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

/** Peak resident memory of a process in KiB, from /proc (Linux). */
export function peakRss(pid: number): number {
  // A service tied to the bench runs under a small watchdog: the figure is the heaviest of it and its children.
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
    .split(' ')
    .filter(Boolean)
    .map(Number);
  return Math.max(
    ...[pid, ...children].map((id) => {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${id}/status`, 'utf8'));
      return Number(match?.[1] ?? NaN);
    }),
  );
}

/**
 * The settings a scale bench runs the product with: by default the ones a user gets without tuning anything (50
 * schedules in flight, 20 WFM calls per worker); with `--tuned`, the ones an operator who read docs/deployment.md would set
 * for an unthrottled WFM. `maxInFlightArg` (a positional argument) overrides the window either way. The label goes in
 * the bench's output so every figure says which it is.
 */
export function benchTuning(argv: readonly string[], maxInFlightArg: string | undefined) {
  const tuned = argv.includes('--tuned');
  const maxInFlight =
    maxInFlightArg !== undefined ? Number(maxInFlightArg) : tuned ? 200 : PUSH_DEFAULTS.maxInFlight;
  const workerEnv: Record<string, string> = tuned ? { WFM_MAX_CONCURRENT_REQUESTS: '100' } : {};
  const label = tuned
    ? `TUNED settings: WFM_MAX_CONCURRENT_REQUESTS=100 per worker, ${maxInFlight} in flight`
    : `DEFAULT settings: WFM_MAX_CONCURRENT_REQUESTS unset (20) per worker, ${maxInFlight} in flight`;
  return { tuned, maxInFlight, workerEnv, label };
}

/** `close`, also run if the bench is interrupted; once only, however it is reached. */
export function alsoOnInterrupt(close: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  const once = () => (closing ??= close().finally(() => envClosers.delete(once)));
  envClosers.add(once);
  return once;
}

/**
 * `work`, unless one of `services` exits first: then a clear error naming its log. A worker that dies at start (no
 * `npm run build`, a bad setting) would otherwise leave the bench waiting for a report for ever.
 */
export async function unlessAServiceEnds<T>(work: Promise<T>, services: readonly Service[]): Promise<T> {
  const ended = services.map((service) =>
    service.exited.then((code) => {
      throw new Error(
        `${service.name} exited (code ${code}) before the bench finished; see ${service.logFile}`,
      );
    }),
  );
  return Promise.race([work, ...ended]);
}
