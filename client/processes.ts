import { spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { PROJECT_ROOT } from '../config/env';

export interface Service {
  name: string;
  pid: number;
  logFile: string;
  /** SIGTERM to its process group, SIGKILL if it is still there after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const CLI = path.join(PROJECT_ROOT, 'bin', 'wfm-push.js');

/** Starts `wfm-push <args>` in its own process group with output in `logFile`, so it can outlive the caller. */
export function startCliProcess(
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  logFile: string,
): Service {
  mkdirSync(path.dirname(logFile), { recursive: true });
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', out, out], detached: true });
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${name}`);
  const pid = child.pid;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name,
    pid,
    logFile,
    stop: async (graceMs = 15_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      killGroup(pid, 'SIGTERM');
      const stopped = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
      if (!stopped) killGroup(pid, 'SIGKILL');
    },
  };
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** Polls `url` until it answers 2xx, or fails after `timeoutMs` pointing at the log. */
export async function waitForHttp(
  url: string,
  service: Pick<Service, 'name' | 'logFile'>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline)
      throw new Error(
        `${service.name} did not answer on ${url} within ${timeoutMs} ms; see ${service.logFile}`,
      );
    await sleep(200);
  }
}

/** A port that was free a moment ago, preferring `preferred`. */
export async function freePort(preferred = 0): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number | undefined>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(undefined));
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : undefined));
      });
    });
  return (
    (preferred ? await tryPort(preferred) : undefined) ??
    (await tryPort(0)) ??
    Promise.reject(new Error('no free port'))
  );
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
