import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { freePort } from '../../dev/processes';
import { CLI_BIN } from '../support/run-cli';
import { eventually, waitUntil } from '../support/wait-until';

/** Processes whose command line names `text` (here: a test's own database file), by PID. Linux's /proc. */
function processesNaming(text: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
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

/**
 * The foreground `wfm-push dev-server` starts its Temporal server in a process group of its own (so Ctrl-C reaches
 * only the command, which stops the server cleanly); however the command ends, the server must end with it.
 */
describe('wfm-push dev-server in the foreground', () => {
  const dir = mkdtempSync(path.join(process.env.WFM_PUSH_TEST_DIR ?? '/tmp', 'dev-server-'));
  const leftovers: number[] = [];
  afterEach(() => {
    // A failed test must not leave its server running: end what this test started, by PID.
    for (const pid of leftovers.splice(0))
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
  });

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
