import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { PushRefused, submitPush, waitForReport } from '../../client/push-client';
import type { PushReport } from '../../model/report';
import { Harness } from '../support/harness';
import { CLI_BIN, runCli } from '../support/run-cli';

const exec = promisify(execFile);

/** What a security review found, each tried again on the real binary, stores and Temporal server. */
describe('hardening (real Temporal server, simulator, CLI)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.create();
  });
  afterEach(() => h.afterEach());
  afterAll(() => h.teardown());

  const fileWith = (name: string, content: unknown) => {
    const file = path.join(h.dataDir, `${name}-${Date.now()}.json`);
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };

  it('binds a planId to one content: other content under it is refused, also when two race', async () => {
    const { plan, ctx, env } = await h.scenario('reuse', { schedules: 2 });
    await submitPush(ctx, plan);
    await waitForReport(ctx, plan.planId);
    const other = { ...plan, schedules: plan.schedules.map((s) => ({ ...s, agents: s.agents.slice(1) })) };

    const run = await runCli(['push', fileWith('other', other)], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`plan ID ${plan.planId} was already used for other content`);
    const report = JSON.parse((await runCli(['report', plan.planId, '--json'], env)).stdout) as PushReport;
    expect(report.totals).toMatchObject({ agentsPlanned: 10, schedulesFailed: 0 });

    // Two submissions with one new planId and different contents at the same moment: exactly one is taken.
    const racing = [plan, other].map((p) => ({ ...p, planId: `${plan.planId}-race` }));
    const outcomes = await Promise.allSettled(racing.map((p) => submitPush(ctx, p)));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const refused = outcomes.find((o) => o.status === 'rejected');
    expect(refused?.status === 'rejected' && refused.reason).toBeInstanceOf(PushRefused);
    await waitForReport(ctx, `${plan.planId}-race`);
  });

  it('keeps stores owner-only, refuses a tampered plan, and names an unreadable result (retry re-pushes it)', async () => {
    const { plan, ctx, env } = await h.scenario('files', { schedules: 3 });
    await submitPush(ctx, plan);
    await waitForReport(ctx, plan.planId);
    const plansDir = path.join(h.dataDir, 'plans');
    const resultsDir = path.join(h.dataDir, 'results', plan.planId, 'schedules');
    const mode = (p: string) => statSync(p).mode & 0o777;
    expect(mode(plansDir)).toBe(0o700);
    expect(mode(resultsDir)).toBe(0o700);
    for (const f of readdirSync(resultsDir)) expect(mode(path.join(resultsDir, f))).toBe(0o600);

    // One result file emptied: the report names it, the schedule counts as not done, retry pushes it again.
    const damaged = path.join(resultsDir, `${plan.schedules[1]?.scheduleId}.json`);
    writeFileSync(damaged, '');
    const broken = await runCli(['report', plan.planId], env);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain(`ResultUnreadable: its stored result ${damaged} not a schedule result`);
    const retried = await runCli(['retry', plan.planId, '--wait'], env);
    expect(retried.code).toBe(0);
    expect(retried.stdout).toContain('every planned change is in place');

    // A stored plan whose bytes no longer match their hash is never used.
    for (const f of readdirSync(plansDir)) writeFileSync(path.join(plansDir, f), `${JSON.stringify(plan)} `);
    const tampered = await runCli(['report', plan.planId], env);
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toMatch(/stored plan .* does not match its SHA-256 \(changed or damaged\)/);
    expect(tampered.stderr).not.toMatch(/^\s+at /m); // a message, not a stack trace
  });

  it('refuses bad plan files whole, naming a path, and writes nothing (fuzzed, through the real binary)', async () => {
    const dataDir = path.join(mkdtempSync(path.join(h.dataDir, 'fuzz-')), 'data');
    const samples = fc.sample(
      fc.oneof(
        fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.constantFrom(
          '{"planId":"..","schedules":[{"scheduleId":".","agents":[{"agentId":"a\u200b","shifts":[]}]}]}',
        ),
      ),
      { numRuns: 8, seed: 42 },
    );
    for (const [i, text] of samples.entries()) {
      const run = await runCli(['push', fileWith(`fuzz-${i}`, text)], { WFM_PUSH_DATA_DIR: dataDir });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/is invalid \(\d+ problem\(s\)\); nothing was started:\n {2}\S+: /);
    }
    expect(existsSync(dataDir)).toBe(false);
  });

  it('refuses a plan over the size limit before reading it', async () => {
    const run = await runCli(['push', fileWith('big', { schedules: [], padding: 'x'.repeat(5000) })], {
      WFM_PUSH_MAX_PLAN_BYTES: '2000',
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('more than the 2000 allowed (WFM_PUSH_MAX_PLAN_BYTES)');
  });

  it('delivers a --json document over 128 KiB whole through a pipe', async () => {
    const agents = Array.from({ length: 3000 }, (_, i) => ({ agentId: `bad agent ${i}`, shifts: [] }));
    const file = fileWith('many-problems', { schedules: [{ scheduleId: 's-1', agents }] });
    const out = path.join(h.dataDir, `piped-${Date.now()}.json`);
    await exec('sh', ['-c', `"${process.execPath}" "${CLI_BIN}" push "${file}" --json | cat > "${out}"`]);
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(out, 'utf8');
    expect(text.length).toBeGreaterThan(128 * 1024);
    expect((JSON.parse(text) as { problems: unknown[] }).problems).toHaveLength(3000);
  });

  it.each([
    [
      { WFM_BASE_URL: 'http://wfm.example.com', WFM_TOKEN: 't0ken-value' },
      'WFM_BASE_URL: http:// to wfm.example.com',
    ],
    [
      { WFM_BASE_URL: 'https://me:hunter2@wfm.example.com', WFM_TOKEN: 't0ken-value' },
      'must not carry credentials',
    ],
    [
      { WFM_BASE_URL: 'https://wfm.example.com' },
      'WFM_TOKEN: required for a WFM that is not on this machine',
    ],
  ])('the worker refuses unsafe WFM settings and prints no secret: %j', async (env, message) => {
    const run = await runCli(['worker'], env, 30_000);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).not.toContain('hunter2');
    expect(run.stderr).not.toContain('t0ken-value');
  });
});
