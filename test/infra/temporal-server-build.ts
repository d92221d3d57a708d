import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../../dev/package-root';

const run = promisify(execFile);

/**
 * The Temporal server release the cluster tests run, built from the Go module proxy. Pinned: the newest releases
 * may need a newer Go than the machine has, and the schema, config and compose files follow this version.
 */
export const TEMPORAL_SERVER_VERSION = 'v1.32.0';

/** The Go that v1.32.0's go.mod asks for; an older one refuses to build it (unless GOTOOLCHAIN lets it fetch one). */
const GO_VERSION_REQUIRED = '1.26.8';

/** The Go packages built, and the names `go install` gives their binaries (the last element of each path). */
const SERVER_PACKAGE = 'go.temporal.io/server/cmd/server';
const SQL_TOOL_PACKAGE = 'go.temporal.io/server/cmd/tools/sql';

export interface TemporalServerBinaries {
  /** `server … start --service <name>`: one of the four services per process. */
  server: string;
  /** `temporal-sql-tool`: creates the databases and applies the schema it embeds. */
  sqlTool: string;
}

export interface TemporalServerBuildOptions {
  /** Where the binaries go. Default `.tools/temporal-server-<version>` in the package root. */
  toolsDir?: string;
  log?: (line: string) => void;
}

/**
 * The server and SQL tool binaries of TEMPORAL_SERVER_VERSION, built with `go install` on first use (about 8 min and
 * 2.6 GB of RAM on 2 cores cold; seconds with a warm Go build cache) and kept under `.tools/` afterwards.
 */
export async function ensureTemporalServer(
  options: TemporalServerBuildOptions = {},
): Promise<TemporalServerBinaries> {
  const log = options.log ?? (() => {});
  const toolsDir =
    options.toolsDir ?? path.join(packageRoot(), '.tools', `temporal-server-${TEMPORAL_SERVER_VERSION}`);
  const binaries = { server: path.join(toolsDir, 'server'), sqlTool: path.join(toolsDir, 'sql') };
  if (existsSync(binaries.server) && existsSync(binaries.sqlTool)) return binaries;

  const go = await findGo();
  // Built into a folder of its own and renamed at the end: a build cut short leaves no half-filled tools folder that
  // the next run would take for a finished one.
  const building = `${toolsDir}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  const started = Date.now();
  log(
    `Building the Temporal server ${TEMPORAL_SERVER_VERSION} from the Go module proxy into ${toolsDir} ` +
      '(the first build on a machine takes ~8 min and ~2.6 GB RAM; with a warm Go build cache, under a minute) …',
  );
  const ticker = setInterval(
    () => log(`… still building the Temporal server (${Math.round((Date.now() - started) / 60_000)} min)`),
    60_000,
  );
  try {
    for (const pkg of [SERVER_PACKAGE, SQL_TOOL_PACKAGE])
      await goInstall(go, `${pkg}@${TEMPORAL_SERVER_VERSION}`, building);
  } catch (err) {
    rmSync(building, { recursive: true, force: true });
    throw err;
  } finally {
    clearInterval(ticker);
  }
  rmSync(toolsDir, { recursive: true, force: true });
  mkdirSync(path.dirname(toolsDir), { recursive: true });
  renameSync(building, toolsDir);
  log(`Built the Temporal server in ${Math.round((Date.now() - started) / 1000)} s.`);
  return binaries;
}

/** The `go` command, or an error that says what to install. */
async function findGo(): Promise<string> {
  for (const candidate of ['go', '/usr/local/go/bin/go']) {
    let version: string;
    try {
      version = (await run(candidate, ['env', 'GOVERSION', 'GOTOOLCHAIN'])).stdout;
    } catch {
      continue; // not there; try the next one
    }
    const [goVersion = '', toolchain = ''] = version.trim().split('\n');
    const fetchesToolchain = !toolchain.startsWith('local');
    if (fetchesToolchain || !olderThan(goVersion.replace(/^go/, ''), GO_VERSION_REQUIRED)) return candidate;
    throw new Error(
      `building the Temporal server ${TEMPORAL_SERVER_VERSION} needs Go ${GO_VERSION_REQUIRED} or newer; ` +
        `${candidate} is ${goVersion} (GOTOOLCHAIN=${toolchain}): install a newer Go from https://go.dev/dl/ ` +
        'or set GOTOOLCHAIN=auto so Go fetches it',
    );
  }
  throw new Error(
    `building the Temporal server ${TEMPORAL_SERVER_VERSION} needs Go ${GO_VERSION_REQUIRED} or newer ` +
      '(https://go.dev/dl/); no `go` found on PATH or in /usr/local/go/bin',
  );
}

/** Whether dotted version `a` is older than `b` (`1.24.2` < `1.26.8`). */
function olderThan(a: string, b: string): boolean {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d < 0;
  }
  return false;
}

/** `go install <target>` with GOBIN=`binDir`; its output is kept and shown only when it fails. */
function goInstall(go: string, target: string, binDir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(go, ['install', target], {
      env: { ...process.env, GOBIN: binDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-8_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`go install ${target} failed (${signal ?? `exit ${code}`}):\n${output.trim()}`));
    });
  });
}
