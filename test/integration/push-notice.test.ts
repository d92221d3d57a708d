import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { cancelPush, submitPush, waitForReport } from '../../client/push-client';
import { verifyPlan } from '../../client/verify-client';
import type { DriftReport } from '../../model/drift';
import type { PushNotice } from '../../model/push-notice';
import type { PushReport } from '../../model/report';
import { Harness } from '../support/harness';
import { runCli } from '../support/run-cli';
import { eventually, waitUntil } from '../support/wait-until';

/** A real webhook receiver on a free local port: answers each POST with the next status of `statuses` (then 200). */
async function receiver(statuses: number[]) {
  const received: Array<{ status: number; body: PushNotice; contentType?: string }> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = statuses[received.length] ?? 200;
      received.push({
        status,
        body: JSON.parse(Buffer.concat(chunks).toString()) as PushNotice,
        contentType: req.headers['content-type'],
      });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/wfm-push?token=secret`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The receivers below listen on this machine: a worker follows a notify URL there only when told so. */
const LOCAL_RECEIVERS = { WFM_ALLOW_PRIVATE_HOSTS: 'true' };

describe('push --notify-url: a webhook when the push ends', () => {
  let h: Harness;
  const closers: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    h = await Harness.create();
  });
  afterEach(async () => {
    await h.afterEach();
    for (const close of closers.splice(0)) await close();
  });
  afterAll(() => h.teardown());

  it('POSTs the summary once the push has ended, retrying after a failed first attempt', async () => {
    const { plan, env } = await h.scenario('notice', { schedules: 3, agents: 30, worker: LOCAL_RECEIVERS });
    const hook = await receiver([500]);
    closers.push(hook.close);
    const file = path.join(h.dataDir, `${plan.planId}.json`);
    writeFileSync(file, JSON.stringify(plan));

    const run = await runCli(['push', file, '--wait', '--json', '--notify-url', hook.url], env);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as PushReport;

    await waitUntil('the second attempt reached the receiver', () => hook.received.length >= 2, 30_000);
    expect(hook.received.map((r) => r.status)).toEqual([500, 200]);
    const [first, second] = hook.received.map((r) => r.body);
    expect(second).toEqual({ ...first, endedAt: expect.any(String) });
    expect(second).toEqual({
      event: 'push.ended',
      planId: plan.planId,
      outcome: 'completed',
      totals: report.totals,
      schedulesNotDone: [],
      schedulesNotDoneCount: 0,
      report: {
        command: `wfm-push report ${plan.planId} --json`,
        workflowId: `bulk-push:${plan.planId}`,
        runId: expect.any(String),
        namespace: 'default',
      },
      endedAt: expect.any(String),
    });
    expect(hook.received[1]?.contentType).toBe('application/json');
    // The notice's own workflow says it was delivered, on the second attempt; the push is untouched by it.
    const notice = h.client.workflow.getHandle(`push-notice:${plan.planId}:${second?.report.runId}`);
    expect(await notice.result()).toEqual({ status: 200, attempts: 2 });
    expect((await h.client.workflow.getHandle(`bulk-push:${plan.planId}`).describe()).status.name).toBe(
      'COMPLETED',
    );
  });

  it('never changes the push’s outcome: a refused notice fails its own workflow, visibly, and the push completes', async () => {
    const { plan, queue } = await h.scenario('notice-refused', {
      schedules: 2,
      agents: 10,
      worker: LOCAL_RECEIVERS,
    });
    const hook = await receiver([410]);
    closers.push(hook.close);

    const report = await h.push(plan, queue, { notifyUrl: hook.url });

    expect(report.state).toBe('completed');
    expect(report.totals.schedulesFailed).toBe(0);
    await waitUntil('the receiver was called', () => hook.received.length >= 1, 30_000);
    const runId = hook.received[0]?.body.report.runId;
    const notice = h.client.workflow.getHandle(`push-notice:${plan.planId}:${runId}`);
    const failure = await notice.result().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause).toMatchObject({
      type: 'NoticeRejected',
      message: expect.stringContaining('HTTP 410'),
    });
    // The secret in the URL's query never shows in the failure.
    expect((failure as WorkflowFailedError).cause?.message).not.toContain('secret');
    expect(hook.received).toHaveLength(1); // A 410 is not retried.
  });

  it('says "cancelled" with what was and was not done when the push is cancelled, and its retry says "completed"', async () => {
    const { plan, queue, env } = await h.scenario('notice-cancel', {
      schedules: 6,
      agents: 12,
      simulator: { latencyMs: 300 },
      worker: LOCAL_RECEIVERS,
    });
    const hook = await receiver([]);
    closers.push(hook.close);
    const ctx = h.context(queue);
    await submitPush(ctx, plan, { maxInFlight: 1, notifyUrl: hook.url });
    await waitUntil(
      'a schedule has landed',
      async () => (await ctx.results.listResults({ planId: plan.planId })).results.length > 0,
    );
    await cancelPush(h.client, plan.planId);
    const report = await waitForReport(ctx, plan.planId);
    expect(report.state).toBe('cancelled');

    await waitUntil('the notice arrived', () => hook.received.length >= 1, 30_000);
    const notice = hook.received[0]?.body;
    expect(notice).toMatchObject({ planId: plan.planId, outcome: 'cancelled' });
    expect(notice?.totals?.schedules).toBe(6);
    expect(notice?.schedulesNotDoneCount).toBeGreaterThan(0);
    expect(notice?.schedulesNotDone).toContainEqual(
      expect.objectContaining({ outcome: 'not-started', type: 'NotStarted' }),
    );

    // The retry pushes the rest and tells the same receiver (retry takes --notify-url as push does).
    const retry = await runCli(['retry', plan.planId, '--wait', '--json', '--notify-url', hook.url], env);
    expect(retry.code).toBe(0);
    expect((JSON.parse(retry.stdout) as PushReport).state).toBe('completed');
    await waitUntil('the retry’s notice arrived', () => hook.received.length >= 2, 30_000);
    expect(hook.received[1]?.body).toMatchObject({
      planId: plan.planId,
      outcome: 'completed',
      schedulesNotDoneCount: 0,
    });
  });

  it('a drift check tells the notify URL what it found, and a clean check sends nothing', async () => {
    const { plan, simulator, queue, env } = await h.scenario('notice-drift', {
      schedules: 2,
      agents: 12,
      worker: LOCAL_RECEIVERS,
    });
    const hook = await receiver([]);
    closers.push(hook.close);
    await h.push(plan, queue);

    const clean = await verifyPlan(h.context(queue), plan.planId, { notifyUrl: hook.url });
    expect(clean).toMatchObject({ agentsDrifted: 0 });
    expect(clean.notice).toBeUndefined();

    // A supervisor deletes a pushed agent's first shift.
    const schedule = plan.schedules[0]!;
    const agentId = schedule.agents[0]!.agentId;
    const doc = simulator.sim.store.get(schedule.scheduleId)!;
    simulator.sim.store.commit(
      {
        ...doc,
        agents: doc.agents.map((a) => (a.agentId === agentId ? { ...a, shifts: a.shifts.slice(1) } : a)),
      },
      'manual',
    );
    const run = await runCli(['verify', plan.planId, '--json', '--notify-url', hook.url], env);
    expect(run.code).toBe(1); // drift found
    const report = JSON.parse(run.stdout) as DriftReport;
    expect(report.notice).toEqual({ delivered: true, status: 200 });

    expect(hook.received).toHaveLength(1); // the clean check sent nothing
    expect(hook.received[0]?.body).toEqual({
      event: 'verify.drift',
      planId: plan.planId,
      checkedAt: report.checkedAt,
      agentsDrifted: 1,
      schedulesDrifted: 1,
      schedulesUnreadable: 0,
      drifted: [{ scheduleId: schedule.scheduleId, agentId }],
      report: {
        workflowId: expect.stringMatching(new RegExp(`^verify:${plan.planId}:`)),
        runId: expect.any(String),
        namespace: 'default',
      },
    });

    // A receiver that refuses: the check still reports its drift, and says the notice was not delivered.
    const refusing = await receiver([410]);
    closers.push(refusing.close);
    const refused = await verifyPlan(h.context(queue), plan.planId, { notifyUrl: refusing.url });
    expect(refused.agentsDrifted).toBe(1);
    expect(refused.notice).toEqual({ delivered: false, reason: expect.stringContaining('HTTP 410') });
    expect(refused.notice?.reason).not.toContain('secret'); // the URL's token never shows
  });
});

describe('a notify URL never leaks its credentials and reaches only public hosts (issue 18)', () => {
  let h: Harness;
  const closers: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    h = await Harness.create();
  });
  afterEach(async () => {
    await h.afterEach();
    for (const close of closers.splice(0)) await close();
  });
  afterAll(() => h.teardown());

  it('refuses a URL with user:token@ before anything starts, and never echoes the token', async () => {
    const { plan, env, queue, ctx } = await h.scenario('notice-creds', { schedules: 1, agents: 2 });
    const file = path.join(h.dataDir, `${plan.planId}.json`);
    writeFileSync(file, JSON.stringify(plan));
    const withToken = 'https://hook-user:tok3n-s3cret@hooks.example.com/wfm';

    const run = await runCli(['push', file, '--notify-url', withToken], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--notify-url');
    expect(run.stderr).toContain('must not carry credentials');
    expect(`${run.stdout}${run.stderr}`).not.toContain('tok3n-s3cret');
    expect(await ctx.results.getManifest({ planId: plan.planId })).toBeUndefined();

    // The same through any Temporal client: refused as an invalid start, the token nowhere in the failure.
    const handle = await h.client.workflow.start('bulkPush', {
      taskQueue: queue,
      workflowId: `bulk-push:${plan.planId}`,
      args: [{ plan, notifyUrl: withToken }],
    });
    const failure = await handle.result().then(
      () => undefined,
      (err: unknown) => (err as WorkflowFailedError).cause,
    );
    expect(failure).toMatchObject({ type: 'InvalidPlan' });
    expect(JSON.stringify((failure as { details?: unknown }).details)).toContain('notifyUrl');
    expect(`${failure?.message}${JSON.stringify((failure as { details?: unknown }).details)}`).not.toContain(
      'tok3n-s3cret',
    );
  });

  it('never POSTs to a link-local, loopback or plain-http address, and says so with the origin only', async () => {
    const { plan, queue } = await h.scenario('notice-inside', { schedules: 1, agents: 2 });
    const hook = await receiver([]);
    closers.push(hook.close);

    // This worker keeps the default policy: its notices go to public https hosts only.
    for (const [suffix, notifyUrl] of [
      ['loop', hook.url],
      ['meta', 'https://169.254.169.254/latest/meta-data/?token=secret'],
    ] as const) {
      const planId = `${plan.planId}-${suffix}`;
      const report = await h.push({ ...plan, planId }, queue, { notifyUrl });
      expect(report.state).toBe('completed');
      const notices = await eventually(async () => {
        const found = [];
        for await (const run of h.client.workflow.list({
          query: `BulkPushId = "${planId}" AND WorkflowType = "pushNotice"`,
        }))
          found.push(run);
        expect(found).toHaveLength(1);
        return found;
      }, 30_000);
      const failure = await h.client.workflow
        .getHandle(notices[0]!.workflowId)
        .result()
        .then(
          () => undefined,
          (err: unknown) => (err as WorkflowFailedError).cause,
        );
      expect(failure).toMatchObject({
        type: 'NoticeRejected',
        message: expect.stringContaining('refused by the outbound policy'),
      });
      expect(failure?.message).toMatch(/unencrypted|not a public address/);
      expect(failure?.message).not.toContain('secret');
    }
    expect(hook.received).toHaveLength(0);
  });
});
