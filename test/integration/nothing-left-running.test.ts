import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { freePort } from '../../dev/processes';
import { CLI_BIN } from '../support/run-cli';

/** tsx's own entry, run by this Node (as `npm run bench:…` does through its binary). */
const TSX_CLI = require.resolve('tsx/cli');
import { eventually, waitUntil } from '../support/wait-until';

/**
 * Processes whose command line (or, with `where: 'environ'`, environment) names `text`, e.g. a test's own database
 * file or data folder, by PID. Linux's /proc.
 */
function processesNaming(text: string, where: 'cmdline' | 'environ' = 'cmdline'): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/${where}`, 'utf8').includes(text);
      } catch {
        return false; // ended meanwhile
      }
    })
    .map(Number);
}

/** Does anything accept connections on the port? */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (listening: boolean) => {
      socket.destroy();
      resolve(listening);
    };
    socket.once('connect', () => done(true)).once('error', () => done(false));
    socket.setTimeout(1000, () => done(false));
  });
}

/** A failed test must not leave what it started running: each test's processes, ended by PID after it. */
const leftovers: number[] = [];
afterEach(() => {
  for (const pid of leftovers.splice(0))
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
});

/**
 * The foreground `wfm-push dev-server` starts its Temporal server in a process group of its own (so Ctrl-C reaches
 * only the command, which stops the server cleanly); however the command ends, the server must end with it.
 */
describe('wfm-push dev-server in the foreground', () => {
  const dir = mkdtempSync(path.join(process.env.WFM_PUSH_TEST_DIR ?? '/tmp', 'dev-server-'));

  it.each(['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGKILL'] as const)(
    'takes its Temporal server down when it gets %s',
    async (signal) => {
      const port = await freePort();
      const db = path.join(dir, `${signal}.sqlite`);
      const cli = spawn(
        process.execPath,
        [CLI_BIN, 'dev-server', '--port', String(port), '--db', db, '--headless'],
        { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, WFM_PUSH_LOG_LEVEL: 'warn' } },
      );
      let stderr = '';
      cli.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
        cli.once('exit', (code, sig) => resolve({ code, signal: sig })),
      );
      await waitUntil(
        `the dev server is ready (stderr so far: ${stderr})`,
        () => stderr.includes('Temporal dev server ready'),
        90_000,
      );
      const servers = processesNaming(db);
      leftovers.push(...servers);
      expect(servers.length).toBeGreaterThan(0);
      expect(await answers(port)).toBe(true);

      process.kill(cli.pid ?? NaN, signal);

      const ended = await exited;
      if (signal === 'SIGTERM' || signal === 'SIGINT')
        expect(ended.code).toBe(0); // stopped cleanly
      else expect(ended.signal).toBe(signal); // died at once, leaving the server to its watchdog
      await eventually(async () => {
        expect(processesNaming(db)).toEqual([]);
        expect(await answers(port)).toBe(false);
      }, 30_000);
    },
  );
});

/** Without --keep, the demo's dev server, codec server, simulator and worker go when the demo goes, kill -9 too. */
describe('wfm-push demo killed mid-push', () => {
  it('leaves nothing of what it started running', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(path.join(process.env.WFM_PUSH_TEST_DIR ?? '/tmp', 'demo-killed-'));
    // Every process the demo starts inherits this environment, so its data folder finds them all.
    const marker = `WFM_PUSH_DATA_DIR=${dataDir}`;
    const demo = spawn(
      process.execPath,
      [CLI_BIN, 'demo', '--port', String(port), '--schedules', '20', '--agents', '400'],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, WFM_PUSH_DATA_DIR: dataDir } },
    );
    let stderr = '';
    demo.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<string | null>((resolve) => demo.once('exit', (_code, sig) => resolve(sig)));
    await waitUntil(
      `the demo is pushing (stderr so far: ${stderr})`,
      () => stderr.includes('4/5 Pushing'),
      120_000,
    );
    const started = processesNaming(marker, 'environ').filter((pid) => pid !== demo.pid);
    leftovers.push(...started);
    // At least the dev server, codec server, simulator and worker.
    expect(started.length).toBeGreaterThanOrEqual(4);
    expect(await answers(port)).toBe(true);

    process.kill(demo.pid ?? NaN, 'SIGKILL');

    expect(await exited).toBe('SIGKILL');
    await eventually(async () => {
      expect(processesNaming(marker, 'environ')).toEqual([]);
      expect(await answers(port)).toBe(false);
    }, 30_000);
  });
});

/**
 * Ctrl-C in a terminal signals the benchmark's process group (npm, tsx, node); its dev server and workers run in groups
 * of their own, out of the signal's reach, so the benchmark must stop them itself.
 */
describe('a benchmark interrupted with Ctrl-C', () => {
  it('stops its dev server and worker before it exits', async () => {
    // Everything the bench starts inherits TMPDIR, and makes its folders under it: the marker finds them all.
    const tmp = mkdtempSync(path.join(process.env.WFM_PUSH_TEST_DIR ?? '/tmp', 'bench-interrupted-'));
    const marker = `TMPDIR=${tmp}`;
    const bench = spawn(process.execPath, [TSX_CLI, 'bench/scale.ts', '2000'], {
      cwd: path.resolve(__dirname, '../..'),
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TMPDIR: tmp },
      detached: true, // a group of its own, as a terminal's foreground job
    });
    let output = '';
    for (const stream of [bench.stdout, bench.stderr])
      stream.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => bench.once('exit', (code) => resolve(code)));
    await waitUntil(
      `the bench is pushing (output so far: ${output})`,
      () => /schedules \(\d+ in flight\)/.test(output),
      120_000,
    );
    const started = processesNaming(marker, 'environ');
    leftovers.push(...started);
    expect(started.length).toBeGreaterThanOrEqual(3); // bench, dev server, worker

    process.kill(-(bench.pid ?? NaN), 'SIGINT');

    expect(await exited).toBe(130);
    expect(output).toContain('SIGINT: stopping what the benchmark started');
    await eventually(() => expect(processesNaming(marker, 'environ')).toEqual([]), 30_000);
  });
});
