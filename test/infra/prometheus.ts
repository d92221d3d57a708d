import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, waitForHttp } from '../../dev/processes';

const run = promisify(execFile);

/** Debian's `prometheus` package puts both binaries here. */
const BIN = '/usr/bin';

export interface PrometheusBinaries {
  prometheus: string;
  promtool: string;
}

/**
 * Debian's `prometheus` and `promtool`, installing the `prometheus` package (apt-get, as root) when this machine lacks
 * them, as the PostgreSQL launcher does for `postgresql`.
 */
export async function ensurePrometheus(log: (line: string) => void = () => {}): Promise<PrometheusBinaries> {
  const found = findBinaries();
  if (found) return found;
  if (process.getuid?.() !== 0)
    throw new Error(
      'prometheus and promtool not found in /usr/bin and this is not root: install Debian\'s "prometheus" package (apt-get install prometheus)',
    );
  log("Installing Debian's prometheus package (apt-get) ...");
  // No service is started by the package's scripts in a container without an init system; tests start their own.
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update', '-qq'], { env, maxBuffer: 64 * 1024 * 1024 });
  await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'prometheus'], {
    env,
    maxBuffer: 64 * 1024 * 1024,
  });
  const installed = findBinaries();
  if (!installed)
    throw new Error('apt-get installed prometheus, but /usr/bin/prometheus or promtool is missing');
  return installed;
}

function findBinaries(): PrometheusBinaries | undefined {
  const prometheus = path.join(BIN, 'prometheus');
  const promtool = path.join(BIN, 'promtool');
  return existsSync(prometheus) && existsSync(promtool) ? { prometheus, promtool } : undefined;
}

/** `promtool <args>`; its output, or an error carrying what it printed. */
export async function promtool(bin: PrometheusBinaries, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(bin.promtool, args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`promtool ${args.join(' ')} failed: ${stderr || stdout || err.message}`));
      else resolve(`${stdout}${stderr}`);
    });
    child.stdin?.end(input ?? '');
  });
}

export interface ThrowawayPrometheus {
  /** `http://127.0.0.1:<port>` */
  url: string;
  logFile: string;
  /** An instant query's result vector (`/api/v1/query`). */
  query(expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
  stop(): Promise<void>;
}

/**
 * A Prometheus of its own on a free loopback port, with a data folder under the temp folder, scraping `targets`
 * (`host:port`, path /metrics) every `scrapeIntervalSeconds`, with `ruleFiles` loaded. Leaves nothing behind when stopped.
 */
export async function startThrowawayPrometheus(options: {
  targets: string[];
  scrapeIntervalSeconds?: number;
  ruleFiles?: string[];
  log?: (line: string) => void;
}): Promise<ThrowawayPrometheus> {
  const bin = await ensurePrometheus(options.log);
  const root = mkdtempSync(path.join(tmpdir(), 'wfm-push-prometheus-'));
  const config = path.join(root, 'prometheus.yml');
  const interval = `${options.scrapeIntervalSeconds ?? 1}s`;
  writeFileSync(
    config,
    JSON.stringify({
      global: { scrape_interval: interval, evaluation_interval: interval },
      rule_files: options.ruleFiles ?? [],
      scrape_configs: [{ job_name: 'wfm-push-worker', static_configs: [{ targets: options.targets }] }],
    }),
  );
  const port = await freePort();
  const logFile = path.join(root, 'prometheus.log');
  const out = openSync(logFile, 'a');
  const child: ChildProcess = spawn(
    bin.prometheus,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${path.join(root, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-lifecycle',
    ],
    { stdio: ['ignore', out, out] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(root, { recursive: true, force: true });
  };
  try {
    await waitForHttp(`${url}/-/ready`, { name: 'prometheus', logFile }, 30_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    logFile,
    async query(expr) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await res.json()) as { status: string; error?: string; data?: { result: unknown } };
      if (body.status !== 'success') throw new Error(`query ${expr} failed: ${body.error ?? res.status}`);
      return body.data?.result as Array<{ metric: Record<string, string>; value: [number, string] }>;
    },
    stop,
  };
}
