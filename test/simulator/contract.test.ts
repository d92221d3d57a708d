import { RestWfmAdapter, type VersionIn } from '../../wfm/rest/rest-adapter';
import { staticToken } from '../../wfm/tokens';
import { FailureType } from '../../model/failures';
import type { ScheduleDocument } from '../../wfm/rest/schedule-document';
import { listen, type RunningSimulator } from '../../dev/simulator/server';
import { WfmSimulator } from '../../dev/simulator/wfm-simulator';
import type { SimulatorOptionsInput } from '../../dev/simulator/options';

const doc = (): ScheduleDocument => ({
  id: 's-1',
  version: 1,
  weekStart: '2026-12-07',
  timeZone: 'Asia/Singapore',
  agents: [
    {
      agentId: 'a-1',
      workPlanId: 'wp-1',
      shifts: [{ start: '2026-12-07T01:00:00.000Z', lengthMinutes: 480, activityCode: 'WORK' }],
    },
    { agentId: 'a-2', shifts: [] },
  ],
});

describe('the simulator speaks the REST contract', () => {
  let sim: WfmSimulator;
  let running: RunningSimulator;
  const url = (path = '/api/v2/wfm/schedules/s-1') => `${running.url}${path}`;
  const auth = { authorization: 'Bearer dev-token' };
  const put = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(url(), {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  async function start(options: SimulatorOptionsInput = {}) {
    sim = new WfmSimulator(options);
    sim.store.seed([doc()]);
    running = await listen(sim);
  }
  afterEach(() => running.close());

  it('GET answers the document with its version as ETag', async () => {
    await start();
    const res = await fetch(url(), { headers: auth });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('"1"');
    expect(await res.json()).toEqual(doc());
  });

  it.each([
    ['If-Match', { 'if-match': '"1"' }, doc()],
    ['the body version', {}, doc()],
  ])('PUT based on the current version (via %s) commits the next version', async (_via, headers, body) => {
    await start();
    const { version: _v, ...withoutVersion } = body;
    const res = await put(Object.keys(headers).length ? withoutVersion : body, headers);
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('"2"');
    expect(((await res.json()) as ScheduleDocument).version).toBe(2);
  });

  it('refuses a stale version: 409 for the body, 412 for If-Match, with the contract error body', async () => {
    await start();
    sim.editBy('manual', 's-1');
    const stale = await put(doc());
    expect(stale.status).toBe(409);
    expect(await stale.json()).toMatchObject({
      status: 409,
      code: 'version.mismatch',
      message: expect.stringContaining('Version mismatch'),
    });
    const { version: _v, ...withoutVersion } = doc();
    expect((await put(withoutVersion, { 'if-match': '"1"' })).status).toBe(412);
    expect(sim.store.commits.map((c) => c.writer)).toEqual(['manual']);
  });

  it.each([
    ['an instant without offset', { start: '2026-12-07T09:00:00', lengthMinutes: 60, activityCode: 'WORK' }],
    ['a length over a day', { start: '2026-12-07T01:00:00Z', lengthMinutes: 1441, activityCode: 'WORK' }],
    [
      'an activity outside its shift',
      {
        start: '2026-12-07T01:00:00Z',
        lengthMinutes: 60,
        activityCode: 'WORK',
        activities: [{ start: '2026-12-07T01:30:00Z', lengthMinutes: 60, activityCode: 'BREAK' }],
      },
    ],
    [
      'two overlapping activities',
      {
        start: '2026-12-07T01:00:00Z',
        lengthMinutes: 120,
        activityCode: 'WORK',
        activities: [
          { start: '2026-12-07T01:00:00Z', lengthMinutes: 30, activityCode: 'BREAK' },
          { start: '2026-12-07T01:15:00Z', lengthMinutes: 30, activityCode: 'MEAL' },
        ],
      },
    ],
  ])(
    'refuses, by its own reading of the contract, a shift with %s (400, nothing committed)',
    async (_what, shift) => {
      await start();
      const body = doc();
      body.agents[1]!.shifts = [shift as ScheduleDocument['agents'][number]['shifts'][number]];
      const res = await put(body);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'document.invalid' });
      expect(sim.store.commits).toEqual([]);
    },
  );

  it('deletes an agent left out of the body, and logs who changed what', async () => {
    await start();
    const body = doc();
    body.agents = body.agents.filter((a) => a.agentId !== 'a-2');
    expect((await put(body)).status).toBe(200);
    expect(sim.store.get('s-1')?.agents.map((a) => a.agentId)).toEqual(['a-1']);
    expect(sim.store.commits).toEqual([
      expect.objectContaining({
        writer: 'api',
        version: 2,
        changes: [{ agentId: 'a-2', before: [], after: null }],
      }),
    ]);
  });

  it('refuses a body that drops a server field, a bad token, an unknown schedule, a missing version', async () => {
    await start();
    const { timeZone: _tz, ...dropped } = doc();
    const res = await put(dropped);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toContain(
      '"timeZone" must be sent back unchanged',
    );
    expect((await fetch(url(), { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(url('/api/v2/wfm/schedules/nope'), { headers: auth })).status).toBe(404);
    const { version: _v, ...noVersion } = doc();
    expect((await put(noVersion)).status).toBe(400);
  });

  it.each([
    ['none', {}],
    ['ietf', { 'ratelimit-limit': '2', 'ratelimit-remaining': '0' }],
    ['x-ratelimit', { 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': '0' }],
    ['genesys-legacy', { 'inin-ratelimit-allowed': '2' }],
  ] as const)(
    'answers 429 beyond the rate limit with Retry-After, and with rate-limit headers %s',
    async (rateLimitHeaders, expected) => {
      await start({ rateLimitPerSecond: 2, rateLimitHeaders });
      const answers: Response[] = [];
      for (let i = 0; i < 5; i++) answers.push(await fetch(url(), { headers: auth }));
      const limited = answers.filter((r) => r.status === 429);
      expect(limited.length).toBeGreaterThanOrEqual(2);
      const last = limited[limited.length - 1];
      expect(Number(last?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await last?.json()).toMatchObject({ status: 429, code: 'too.many.requests.retry.after' });
      for (const [name, value] of Object.entries(expected)) expect(last?.headers.get(name)).toBe(value);
      if (rateLimitHeaders === 'none')
        expect([...(last?.headers.keys() ?? [])].filter((h) => /ratelimit/.test(h))).toEqual([]);
    },
  );

  it('halves its limit when told to, mid-run', async () => {
    let nowMs = Date.parse('2026-12-07T00:00:00Z');
    sim = new WfmSimulator(
      { rateLimitPerSecond: 4, rateLimitChanges: [{ atMs: 10_000, ratePerSecond: 2 }] },
      { now: () => new Date(nowMs) },
    );
    sim.store.seed([doc()]);
    running = await listen(sim);
    const admittedIn = async (ms: number) => {
      let ok = 0;
      for (let t = 0; t < ms; t += 50, nowMs += 50) if ((await fetch(url(), { headers: auth })).ok) ok++;
      return ok;
    };
    await admittedIn(2000); // drains the first second's burst
    expect(await admittedIn(5000)).toBeGreaterThanOrEqual(19);
    nowMs += 5000;
    await admittedIn(1000);
    expect(await admittedIn(5000)).toBeLessThanOrEqual(11);
  });

  it('with a conflict rate of 1, another writer commits just before every PUT, which meets a 409', async () => {
    await start({ conflictRate: 1 });
    expect((await put(doc())).status).toBe(409);
    expect(sim.store.commits.map((c) => `${c.writer}@${c.version}`)).toEqual(['conflict-writer@2']);
  });
});

describe('the REST adapter against the simulator', () => {
  let sim: WfmSimulator;
  let running: RunningSimulator;
  afterEach(() => running.close());
  async function adapter(versionIn: VersionIn, options: SimulatorOptionsInput = {}) {
    sim = new WfmSimulator(options);
    sim.store.seed([doc()]);
    running = await listen(sim);
    return new RestWfmAdapter({ baseUrl: running.url, tokens: staticToken('dev-token'), versionIn });
  }

  it.each(['body', 'if-match', 'both'] as const)(
    'writes conditionally with the version in %s, keeping every other field',
    async (versionIn) => {
      const wfm = await adapter(versionIn);
      const read = await wfm.readSchedule({ scheduleId: 's-1', agentIds: [] });
      const written = await wfm.writeAgents(read, [
        {
          agentId: 'a-2',
          shifts: [{ start: '2026-12-08T01:00:00.000Z', lengthMinutes: 60, activityCode: 'TRAINING' }],
        },
      ]);
      expect(written.version).toBe('2');
      const stored = sim.store.get('s-1');
      expect(stored).toMatchObject({ weekStart: '2026-12-07', timeZone: 'Asia/Singapore' });
      expect(stored?.agents[0]).toEqual(doc().agents[0]);
      const lastPut = sim.requests.filter((r) => r.method === 'PUT').at(-1);
      expect(lastPut?.baseVersion).toBe(1);
    },
  );

  it('turns a stale write into a VersionConflict and an unknown schedule into a Rejected failure', async () => {
    const wfm = await adapter('both');
    const read = await wfm.readSchedule({ scheduleId: 's-1', agentIds: [] });
    sim.editBy('manual', 's-1');
    await expect(wfm.writeAgents(read, [{ agentId: 'a-2', shifts: [] }])).rejects.toMatchObject({
      type: FailureType.VersionConflict,
    });
    await expect(wfm.readSchedule({ scheduleId: 'missing', agentIds: [] })).rejects.toMatchObject({
      type: FailureType.Rejected,
      nonRetryable: true,
    });
  });

  it('turns a dropped connection after a committed write into a Transient failure', async () => {
    const wfm = await adapter('both', { lostAckRate: 1 });
    const read = await wfm.readSchedule({ scheduleId: 's-1', agentIds: [] });
    const shifts = [{ start: '2026-12-08T01:00:00.000Z', lengthMinutes: 60, activityCode: 'TRAINING' }];
    await expect(wfm.writeAgents(read, [{ agentId: 'a-2', shifts }])).rejects.toMatchObject({
      type: FailureType.Transient,
    });
    // The write is in, though the caller never heard: only a fresh read can tell (and the rebase then skips it).
    expect(sim.store.commits).toEqual([
      expect.objectContaining({
        writer: 'api',
        version: 2,
        changes: [{ agentId: 'a-2', before: [], after: shifts }],
      }),
    ]);
  });
});

describe("the simulator's test-only fault switch", () => {
  it('PATCH /_sim/faults changes the faults it names and leaves the others as they are', async () => {
    const running = await listen(new WfmSimulator({ conflictRate: 0.3, latencyMs: 7 }));
    try {
      const res = await fetch(`${running.url}/_sim/faults`, {
        method: 'PATCH',
        body: JSON.stringify({ failRate: 0.5 }),
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ failRate: 0.5, conflictRate: 0.3, latencyMs: 7 });
    } finally {
      await running.close();
    }
  });
});
