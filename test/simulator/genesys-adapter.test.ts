import { gunzipSync } from 'node:zlib';
import { createGenesysSimulator, type GenesysSimulator } from '../../dev/simulator/genesys/genesys-simulator';
import type { GenesysSimulatorOptionsInput } from '../../dev/simulator/genesys/options';
import { SIM_CLIENT } from '../../dev/simulator/genesys/options';
import { listenGenesys, type RunningGenesysSimulator } from '../../dev/simulator/genesys/server';
import { FailureType } from '../../model/failures';
import { sameShifts } from '../../model/shift';
import { GenesysWfmAdapter, type GenesysAdapterOptions } from '../../wfm/genesys/genesys-adapter';
import { checkGenesysInvariants, type GenesysSimState } from '../../dev/genesys-invariants';
import { state } from '../../dev/simulator/genesys/test-only-routes';
import type { Plan } from '../../model/plan';
import { GenesysOAuthTokens } from '../../wfm/genesys/oauth';
import { AdaptiveRateController } from '../../wfm/rate/adaptive-rate';
import { rebase } from '../../wfm/rebase';

const planned = [{ start: '2026-03-03T15:00:00Z', lengthMinutes: 240, activityCode: '0' }];

/** The Genesys adapter against the Genesys simulator (written from the reference, not from this adapter). */
describe('the Genesys adapter against the Genesys simulator', () => {
  let sim: GenesysSimulator;
  let running: RunningGenesysSimulator;
  let adapter: GenesysWfmAdapter | undefined;
  afterEach(async () => {
    await adapter?.close();
    adapter = undefined;
    await running?.close();
  });

  async function start(
    options: GenesysSimulatorOptionsInput = {},
    adapterOptions: Partial<GenesysAdapterOptions> = {},
  ) {
    sim = createGenesysSimulator({ processingDelayMs: 30, ...options });
    running = await listenGenesys(sim);
    const schedule = sim.store.allSchedules()[0];
    if (!schedule) throw new Error('the simulator seeded no schedule');
    const agentIds = [...schedule.agents.keys()];
    const wfm = new GenesysWfmAdapter({
      apiBaseUrl: running.url,
      tokens: new GenesysOAuthTokens({
        loginBaseUrl: running.url,
        clientId: SIM_CLIENT.id,
        clientSecret: SIM_CLIENT.secret,
      }),
      rate: new AdaptiveRateController(),
      asyncPollMs: 50,
      asyncWaitMs: 5_000,
      queryNotifyId: SIM_CLIENT.id,
      ...adapterOptions,
    });
    adapter = wfm;
    const target = {
      scheduleId: schedule.id,
      businessUnitId: schedule.businessUnitId,
      weekId: schedule.weekId,
      agentIds: agentIds.slice(0, 3),
    };
    return { wfm, target, schedule, agentIds };
  }

  it('reads the planned agents with their shifts, and writes one agent without touching the others', async () => {
    const { wfm, target, schedule, agentIds } = await start();
    const before = structuredClone(
      [...schedule.agents.values()].map((a) => ({ id: a.userId, shifts: a.shifts })),
    );
    const read = await wfm.readSchedule(target);
    expect(read.agents.map((a) => a.agentId).sort()).toEqual([...target.agentIds].sort());
    expect(read.version).toBe(String(schedule.version));

    const agentId = agentIds[0] ?? '';
    const { changes } = rebase(read.agents, [{ agentId, shifts: planned }]);
    expect(changes).toHaveLength(1);
    const written = await wfm.writeAgents(read, changes);
    expect(Number(written.version)).toBeGreaterThan(Number(read.version));

    const again = await wfm.readSchedule(target);
    expect(sameShifts(again.agents.find((a) => a.agentId === agentId)?.shifts ?? [], planned)).toBe(true);
    expect(rebase(again.agents, [{ agentId, shifts: planned }]).changes).toEqual([]);
    // Every other agent is exactly as it was (the simulator's own state is the evidence).
    for (const other of before.filter((a) => a.id !== agentId))
      expect(schedule.agents.get(other.id)?.shifts).toEqual(other.shifts);
    const apiCommits = sim.store.commits.filter((c) => c.writer === 'api');
    expect(apiCommits).toHaveLength(1);
  });

  it('turns a write based on an old agent version into a version conflict, and applies nothing', async () => {
    const { wfm, target, agentIds } = await start();
    const read = await wfm.readSchedule(target);
    const agentId = agentIds[0] ?? '';
    await fetch(`${running.url}/_sim/edit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ scheduleId: target.scheduleId, userId: agentId }),
    });
    const { changes } = rebase(read.agents, [{ agentId, shifts: planned }]);
    await expect(wfm.writeAgents(read, changes)).rejects.toMatchObject({ type: FailureType.VersionConflict });
    expect(sim.store.commits.filter((c) => c.writer === 'api')).toHaveLength(0);
  });

  it('reads agent schedules served by a download URL or after Processing', async () => {
    const { wfm, target } = await start({ queryModes: { inline: 0, download: 1, processing: 1 } });
    for (let i = 0; i < 4; i++) {
      const read = await wfm.readSchedule(target);
      expect(read.agents).toHaveLength(3);
    }
  });

  const queries = () =>
    sim.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/agentschedules/query'));

  it('asks a query answered Processing once, and takes its result from the notification', async () => {
    const { wfm, target } = await start({ queryModes: { inline: 0, download: 0, processing: 1 } });
    const read = await wfm.readSchedule(target);
    expect(read.agents).toHaveLength(3);
    // One management unit, one query: never POSTed again while it is Processing.
    expect(queries()).toHaveLength(1);
    expect(
      sim.notifications.log.filter((n) => n.topicName.endsWith(`users.${SIM_CLIENT.id}.schedules.query`)),
    ).toHaveLength(1);
  });

  it('fails a Processing query as transient, naming the topic, when no notification can come', async () => {
    const { wfm, target } = await start(
      { queryModes: { inline: 0, download: 0, processing: 1 } },
      { notifications: false },
    );
    const failure = await wfm.readSchedule(target).catch((err: unknown) => err);
    expect(failure).toMatchObject({ type: FailureType.Transient });
    expect(String((failure as Error).message)).toContain(`users.${SIM_CLIENT.id}.schedules.query`);
    expect((failure as { nextRetryDelay?: unknown }).nextRetryDelay).toBeDefined();
    expect(queries()).toHaveLength(1);
  });

  it('reads gzipped download bodies, and takes the version from a result that carries nothing else', async () => {
    const { wfm, target, agentIds } = await start({
      queryModes: { inline: 0, download: 1, processing: 0 },
      downloadsGzipped: true,
      minimalResults: true,
    });
    const read = await wfm.readSchedule(target);
    expect(read.agents).toHaveLength(3);
    const agentId = agentIds[0] ?? '';
    const { changes } = rebase(read.agents, [{ agentId, shifts: planned }]);
    const before = sim.requests.length;
    const written = await wfm.writeAgents(read, changes);
    expect(Number(written.version)).toBeGreaterThan(Number(read.version));
    // GET version, upload URL, upload, update: the notification's minimal result is enough, no polling.
    const paths = sim.requests.slice(before).map((r) => `${r.method} ${r.path.split('/').at(-1)}`);
    expect(paths.filter((p) => p.startsWith('GET '))).toHaveLength(1);
  });

  it("keeps approved time off and other systems' activities, writes around them, and leaves an agent whose plan overlaps them", async () => {
    const { wfm, schedule, agentIds } = await start({ seed: { agentsPerMu: 6, timeOffShare: 1 } });
    const [agentWithPartial, agentWithFullDay, agentWithExternal] = agentIds;
    const kinds = new Map(sim.store.approvedTimeOff.map((t) => [t.userId, t.kind]));
    expect([agentWithPartial, agentWithFullDay, agentWithExternal].map((id) => kinds.get(id ?? ''))).toEqual([
      'time-off',
      'full-day-time-off',
      'external-activity',
    ]);
    const target = {
      scheduleId: schedule.id,
      businessUnitId: schedule.businessUnitId,
      weekId: schedule.weekId,
      agentIds: agentIds.slice(0, 3),
    };
    // The second day 15:00-19:00 UTC: overlaps the partial-day time off (12:00-16:00 that day), not the others.
    const plan = target.agentIds.map((agentId) => ({
      agentId,
      shifts: planned.map((s) => ({ ...s, start: `${dayOf(schedule.weekId, 1)}T15:00:00Z` })),
    }));
    const read = await wfm.readSchedule(target);
    expect(read.agents.find((a) => a.agentId === agentWithPartial)?.protectedTime).toEqual([
      // The shift holding it is kept whole, so its whole span is protected.
      expect.objectContaining({
        kind: 'time-off',
        start: `${dayOf(schedule.weekId, 1)}T08:00:00Z`,
        end: `${dayOf(schedule.weekId, 1)}T16:00:00Z`,
      }),
    ]);
    const rebased = rebase(read.agents, plan);
    expect(rebased.collisions.map((c) => c.agentId)).toEqual([agentWithPartial]);
    expect(rebased.changes.map((c) => c.agentId).sort()).toEqual(
      [agentWithFullDay, agentWithExternal].sort(),
    );
    await wfm.writeAgents(read, rebased.changes);

    const after = state(sim) as GenesysSimState;
    const fullPlan: Plan = {
      planId: 'time-off',
      schedules: [{ ...target, agents: plan }],
    };
    expect(checkGenesysInvariants({ plan: fullPlan, state: after, commits: sim.store.commits })).toEqual([]);
    const external = schedule.agents.get(agentWithExternal ?? '');
    // The booked activity's shift is kept whole; the push's own shift is marked as a client's.
    expect(external?.shifts.filter((s) => s.activities.some((a) => a.externalActivityId))).toHaveLength(1);
    expect(external?.shifts.filter((s) => s.manuallyEdited === true)).toHaveLength(1);
    expect(schedule.agents.get(agentWithFullDay ?? '')?.fullDayTimeOffMarkers).toHaveLength(1);
    const again = rebase((await wfm.readSchedule(target)).agents, plan);
    expect(again.changes).toEqual([]);
    expect(again.collisions.map((c) => c.agentId)).toEqual([agentWithPartial]);
  });

  it('reads the subscription answer: a refused query topic is named, with its reason, when a query needs it', async () => {
    const { wfm, target } = await start(
      { queryModes: { inline: 0, download: 0, processing: 1 } },
      { queryNotifyId: 'someone-else' },
    );
    const failure = await wfm.readSchedule(target).catch((err: unknown) => err);
    expect(failure).toMatchObject({ type: FailureType.Transient });
    expect(String((failure as Error).message)).toMatch(
      /subscription to v2\.workforcemanagement\.users\.someone-else\.schedules\.query was refused: Not permitted/,
    );
  });

  const uploadsSent = () =>
    [...sim.storage.uploads.values()].flatMap((u) =>
      u.body ? [JSON.parse(gunzipSync(u.body).toString('utf8')) as Record<string, unknown>] : [],
    );

  it.each([
    ['publishes an unpublished schedule the plan asks to publish', false, true, true],
    ['never sends published to a published schedule', true, true, true],
    ['leaves an unpublished schedule unpublished unless asked', false, false, false],
  ])('%s', async (_name, publishedBefore, publish, publishedAfter) => {
    const { wfm, target, schedule, agentIds } = await start({
      seed: { published: publishedBefore, timeOffShare: 1 },
    });
    const read = await wfm.readSchedule({ ...target, publish });
    // The second agent holds a full-day time off on the fourth day; the plan does not touch that day.
    const agentId = agentIds[1] ?? '';
    const written = await wfm.writeAgents(read, rebase(read.agents, [{ agentId, shifts: planned }]).changes);
    expect(schedule.published).toBe(publishedAfter);
    expect(written.published).toBe(publishedAfter);
    const [upload] = uploadsSent();
    expect(upload?.published).toBe(publish && !publishedBefore ? true : undefined);
    // Full-day markers are left out of an update, so Genesys keeps them untouched.
    expect(JSON.stringify(upload)).not.toContain('fullDayTimeOffMarkers');
    expect(schedule.agents.get(agentId)?.fullDayTimeOffMarkers).toHaveLength(1);
  });

  it('never names more than 1,000 agents in one update', async () => {
    const { wfm, target } = await start();
    expect(wfm.maxAgentsPerWrite).toBe(1000);
    const read = await wfm.readSchedule(target);
    const changes = Array.from({ length: 1001 }, (_, i) => ({ agentId: `a-${i}`, shifts: planned }));
    await expect(wfm.writeAgents(read, changes)).rejects.toThrow(/at most 1000/);
  });
});

function dayOf(weekId: string, days: number): string {
  return new Date(Date.parse(`${weekId}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
