import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import path from 'node:path';
import { sleep } from '../common/sleep';
import type { Env } from '../common/env';
import { packageRoot } from './package-root';

/** A process started in its own group: stopping it stops everything it started (wrappers leave nothing behind). */
export interface Service {
  name: string;
  pid: number;
  logFile: string;
  /** Resolves with the exit code (null after a signal) when the process ends. */
  exited: Promise<number | null>;
  /** Like `exited`, but keeps this process alive meanwhile (a foreground command that waits on its service). */
  untilExit(): Promise<number | null>;
  /**
   * SIGTERM (to the whole process group, or through a tied service's watchdog), SIGKILL to the group if anything is
   * still there after `graceMs` (default 15 s).
   */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL to the whole process group at once, as a crash would end it; resolves once the process is gone. */
  kill(): Promise<void>;
}

export interface ServiceOptions {
  env?: Env;
  logFile: string;
  /** Default: this process's. */
  cwd?: string;
  /**
   * End the service when this process ends, however it ends (SIGKILL too), instead of leaving it running. For a
   * foreground command whose service must not outlive it (`wfm-push dev-server`). Default false (`demo --keep`).
   */
  tiedToThisProcess?: boolean;
}

/**
 * Starts `command` detached, in a process group of its own, with its output appended to `logFile`. It is unref'd, so
 * the caller may exit and leave it running (`demo --keep`), unless it is tied to this process.
 */
export function startService(
  name: string,
  command: string,
  args: string[],
  options: ServiceOptions,
): Service {
  mkdirSync(path.dirname(options.logFile), { recursive: true });
  const out = openSync(options.logFile, 'a');
  // Tied: a watchdog between us and the command ends it when the pipe to its stdin closes, which the kernel does when
  // this process dies. The watchdog leads the group, so stopping the group stops both.
  const [file, argv] = options.tiedToThisProcess
    ? [process.execPath, [path.join(packageRoot(), 'bin', 'tied-to-parent.js'), command, ...args]]
    : [command, args];
  const child = spawn(file, argv, {
    env: options.env as NodeJS.ProcessEnv | undefined,
    cwd: options.cwd,
    stdio: [options.tiedToThisProcess ? 'pipe' : 'ignore', out, out],
    detached: true,
  });
  child.unref();
  // The pipe stays open (its end is the tie) but must not keep this process alive by itself.
  (child.stdin as Socket | null)?.unref();
  if (child.pid === undefined) throw new Error(`could not start ${name}`);
  const pid = child.pid;
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const tied = options.tiedToThisProcess ?? false;
  const service: Service = {
    name,
    pid,
    logFile: options.logFile,
    exited,
    untilExit: () => {
      child.ref();
      return exited;
    },
    stop: (graceMs = 15_000) => stopGroup(child, exited, graceMs, tied),
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      signalGroup(pid, 'SIGKILL');
      await exited;
    },
  };
  running.add(service);
  void exited.then(() => running.delete(service));
  return service;
}

/** The services this process started that are still running. */
const running = new Set<Service>();

/**
 * Stops every service this process started that still runs. For a script interrupted half way (a benchmark's
 * Ctrl-C), whose own `finally` never runs: its services live in process groups of their own, out of reach of the
 * terminal's signal.
 */
export async function stopAllServices(graceMs = 5_000): Promise<void> {
  await Promise.all([...running].map((s) => s.stop(graceMs)));
}

/** Starts `wfm-push <args>` (this package's own binary) as a service, in `cwd` if given. */
export function startCliProcess(
  name: string,
  args: string[],
  env: Env,
  logFile: string,
  options: Pick<ServiceOptions, 'cwd' | 'tiedToThisProcess'> = {},
): Service {
  const cli = path.join(packageRoot(), 'bin', 'wfm-push.js');
  return startService(name, process.execPath, [cli, ...args], { env, logFile, ...options });
}

async function stopGroup(
  child: ChildProcess,
  exited: Promise<unknown>,
  graceMs: number,
  tied: boolean,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  // A tied service's watchdog passes one SIGTERM on to its command; signalling the group as well would give the
  // command two, and a second SIGTERM means "stop now" to a worker.
  if (tied) child.kill('SIGTERM');
  else signalGroup(child.pid, 'SIGTERM');
  const stopped = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
  if (!stopped) signalGroup(child.pid, 'SIGKILL');
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** Polls `url` until it answers (2xx, or anything with `anyAnswer`), or fails after `timeoutMs` pointing at the log. */
export async function waitForHttp(
  url: string,
  service: Pick<Service, 'name' | 'logFile'>,
  timeoutMs = 30_000,
  /** Any HTTP answer will do, not only a 2xx (the service has no GET route). */
  anyAnswer = false,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok || anyAnswer) return;
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
