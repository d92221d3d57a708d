import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../dev/processes';

const run = promisify(execFile);

/**
 * A throwaway PostgreSQL cluster for tests, benchmarks and the cluster topology: Debian's `postgresql` binaries, a
 * data folder under a temp folder, loopback only, one port. It is not the machine's own cluster (`main` on 5432, if
 * any) and leaves nothing behind when stopped.
 */
export interface ThrowawayPostgres {
  host: string;
  port: number;
  /** The role the project connects as (password authentication over TCP, as in production). */
  user: string;
  password: string;
  dataDir: string;
  logFile: string;
  /** `postgres://user:password@127.0.0.1:port/<database>`; the database must exist (`createDatabase`). */
  url(database: string): string;
  /** Creates a database owned by `user` (no error if it exists). */
  createDatabase(name: string): Promise<void>;
  /** Fast shutdown (sessions are cut), then the data folder is removed unless `keep`. */
  stop(options?: { keep?: boolean }): Promise<void>;
  /** An outage: the server stops (sessions cut), its data kept; `resume` starts it again on the same port. */
  pause(): Promise<void>;
  resume(): Promise<void>;
}

export interface ThrowawayPostgresOptions {
  /** Default: a free port. */
  port?: number;
  /** Default: a new folder under the system temp folder. */
  parentDir?: string;
  /** Temporal's four services each hold pools; the default 100 connections is tight for a whole cluster. */
  maxConnections?: number;
  log?: (line: string) => void;
}

/** Starts a new throwaway cluster (installing Debian's `postgresql` first if this machine lacks it). */
export async function startThrowawayPostgres(
  options: ThrowawayPostgresOptions = {},
): Promise<ThrowawayPostgres> {
  const log = options.log ?? (() => {});
  const bin = await ensurePostgresBinaries(log);
  const port = options.port ?? (await freePort());
  const root = mkdtempSync(path.join(options.parentDir ?? tmpdir(), 'wfm-push-pg-'));
  const dataDir = path.join(root, 'data');
  const logFile = path.join(root, 'postgres.log');
  const asOwner = ownerRunner(root);
  const user = 'wfm_push';
  const password = randomBytes(18).toString('base64url');

  // initdb refuses to run as root: as root, the cluster belongs to the `postgres` user Debian's package creates.
  await asOwner(path.join(bin, 'initdb'), [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    '--encoding=UTF8',
    '--no-instructions',
  ]);
  const settings = [
    `-p ${port}`,
    `-k ${root}`,
    `-c listen_addresses=127.0.0.1`,
    `-c max_connections=${options.maxConnections ?? 300}`,
    // A throwaway cluster: durability across a machine crash buys nothing here, and fsync dominates test time.
    `-c fsync=off`,
    `-c synchronous_commit=off`,
    `-c full_page_writes=off`,
  ].join(' ');
  const start = () =>
    asOwner(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-l', logFile, '-o', settings, '-w', 'start'], {
      hint: logFile,
    });
  await start();
  log(`PostgreSQL started on 127.0.0.1:${port} (data ${dataDir})`);

  const psql = (sql: string) =>
    asOwner(path.join(bin, 'psql'), [
      '-h',
      root,
      '-p',
      String(port),
      '-U',
      'postgres',
      '-d',
      'postgres',
      '-v',
      'ON_ERROR_STOP=1',
      '-qAtc',
      sql,
    ]);
  await psql(`CREATE ROLE ${user} LOGIN CREATEDB PASSWORD '${password}'`);

  let stopped = false;
  return {
    host: '127.0.0.1',
    port,
    user,
    password,
    dataDir,
    logFile,
    url: (database) =>
      `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    async createDatabase(name) {
      const exists = await psql(`SELECT 1 FROM pg_database WHERE datname = '${name.replace(/'/g, "''")}'`);
      if (exists.trim() !== '1') await psql(`CREATE DATABASE "${name.replace(/"/g, '""')}" OWNER ${user}`);
    },
    async pause() {
      await asOwner(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
    },
    async resume() {
      await start();
    },
    async stop({ keep = false } = {}) {
      if (stopped) return;
      stopped = true;
      try {
        await asOwner(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
      } catch {
        killPostmaster(dataDir);
      }
      if (!keep) rmSync(root, { recursive: true, force: true });
    },
  };
}

/** The folder of Debian's PostgreSQL server binaries, installing the `postgresql` package when none is there. */
export async function ensurePostgresBinaries(log: (line: string) => void = () => {}): Promise<string> {
  const found = findPostgresBin();
  if (found) return found;
  if (process.getuid?.() !== 0)
    throw new Error(
      'PostgreSQL server binaries not found under /usr/lib/postgresql and this is not root: ' +
        'install Debian\'s "postgresql" package (apt-get install postgresql)',
    );
  log("Installing Debian's postgresql package (apt-get) ...");
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update', '-qq'], { env, maxBuffer: 64 * 1024 * 1024 });
  await run('apt-get', ['install', '-y', '-qq', 'postgresql'], { env, maxBuffer: 64 * 1024 * 1024 });
  const installed = findPostgresBin();
  if (!installed)
    throw new Error('apt-get installed postgresql, but no server binaries under /usr/lib/postgresql');
  return installed;
}

/** The newest `/usr/lib/postgresql/<major>/bin` that has a server. */
function findPostgresBin(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const majors = readdirSync(base)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  return majors.map((v) => path.join(base, v, 'bin')).find((bin) => existsSync(path.join(bin, 'pg_ctl')));
}

/**
 * Runs a PostgreSQL tool as the cluster's owner: this user, or `postgres` when this is root (the server refuses
 * root). Gives `folder` to that owner first.
 */
function ownerRunner(folder: string) {
  const asRoot = userInfo().uid === 0;
  if (asRoot) {
    const ids = postgresUserIds();
    chownSync(folder, ids.uid, ids.gid);
  }
  return async (command: string, args: string[], options: { hint?: string } = {}): Promise<string> => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
    try {
      const { stdout } = await run(file, argv, { cwd: folder, maxBuffer: 16 * 1024 * 1024 });
      return stdout;
    } catch (err) {
      const e = err as Error & { stderr?: string };
      const detail = (e.stderr ?? '').trim() || e.message;
      throw new Error(
        `${path.basename(command)} failed: ${detail}${options.hint ? ` (see ${options.hint})` : ''}`,
      );
    }
  };
}

function postgresUserIds(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined)
    throw new Error(
      'no "postgres" user: Debian\'s postgresql package creates it (apt-get install postgresql)',
    );
  return { uid: Number(uid), gid: Number(gid) };
}

/** Last resort when pg_ctl cannot stop the cluster: the postmaster's pid is the first line of postmaster.pid. */
function killPostmaster(dataDir: string): void {
  try {
    const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (pid > 0) process.kill(pid, 'SIGQUIT');
  } catch {
    // Not running.
  }
}
