import { Writable } from 'node:stream';
import { createLogger } from '../../common/logger';
import { FailureType } from '../../model/failures';
import { schedulePushWorkflowId } from '../../model/names';
import { Harness } from '../support/harness';

/** A logger whose JSON lines a test can read. */
function memoryLogger() {
  const lines: Array<{ msg: string; [field: string]: unknown }> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as (typeof lines)[number]);
      done();
    },
  });
  return { logger: createLogger('info', {}, stream), lines };
}

describe('rate limits (real Temporal server, simulator)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.create();
  });
  afterEach(() => h.afterEach());
  afterAll(() => h.teardown());

  it('waits out a 429 storm inside the sync: nothing fails, no retry attempt is spent on it', async () => {
    const { plan, queue, simulator } = await h.scenario('storm', {
      schedules: 4,
      simulator: { throttleRate: 0.4, randomSeed: 7 },
    });
    const report = await h.push(plan, queue);
    const requests = await simulator.api.requests();
    const refused = requests.filter((r) => r.status === 429);

    expect(report.totals).toMatchObject({ schedulesFailed: 0, agentsFailed: 0 });
    expect(refused.length).toBeGreaterThan(3);
    // Every refusal is counted, and so is every request.
    expect(report.totals.rateLimitWaits).toBe(refused.length);
    expect(report.totals.requests).toBe(requests.length);
    // The one activity (the sync, which also stores the schedule's line) completed in its first attempt: the 429s were
    // waits inside the sync, not failed attempts.
    for (const s of plan.schedules) {
      const history = await h.client.workflow.getHandle(schedulePushWorkflowId(s.scheduleId)).fetchHistory();
      const started = (history.events ?? []).flatMap((e) =>
        e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.attempt] : [],
      );
      expect(started).toEqual([1]);
    }
  });

  it('fails a schedule for rate limiting only once WFM_RATE_LIMIT_DEADLINE has passed, and says so', async () => {
    const { plan, queue } = await h.scenario('deadline', {
      schedules: 1,
      simulator: { throttleRate: 1 },
      worker: { WFM_RATE_LIMIT_DEADLINE: '3s' },
    });
    const started = Date.now();
    const report = await h.push(plan, queue);
    const line = report.schedules[0];

    expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
    expect(line).toMatchObject({ outcome: 'failed', failure: { type: FailureType.RateLimited } });
    expect(line?.failure?.message).toMatch(
      /GET schedule .*: still rate limited after \d+ s \(\d+ answers 429, the worker's request rate had come down to [\d.]+\/s\); last answer: 429 too.many.requests.retry.after/,
    );
    expect(line?.rateLimitWaits).toBeGreaterThanOrEqual(3);
  });

  it('cuts an absurd Retry-After down to WFM_MAX_RETRY_AFTER and logs it', async () => {
    const { plan, queue, simulator } = await h.scenario('absurd-retry-after', {
      schedules: 3,
      simulator: { rateLimitPerSecond: 1, rateLimitBurst: 1, retryAfterSeconds: 86_400 },
      startWorkers: false,
    });
    const { logger, lines } = memoryLogger();
    await h.startWorkers(h.settings(queue, simulator.url, { WFM_MAX_RETRY_AFTER: '2s' }), logger);
    const report = await h.push(plan, queue);

    expect(report.totals).toMatchObject({ schedulesFailed: 0, agentsFailed: 0 });
    expect(report.totals.rateLimitWaits).toBeGreaterThan(0);
    const capped = lines.filter((l) => l.askedMs === 86_400_000);
    expect(capped.length).toBeGreaterThan(0);
    expect(capped[0]).toMatchObject({ level: 40, cappedMs: 2000 });
    expect(capped[0]?.msg).toContain('waiting 2 s, the most WFM_MAX_RETRY_AFTER allows');
  });
});
