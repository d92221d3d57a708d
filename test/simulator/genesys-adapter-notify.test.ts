import { createGenesysSimulator, type GenesysSimulator } from '../../dev/simulator/genesys/genesys-simulator';
import type { GenesysSimulatorOptionsInput } from '../../dev/simulator/genesys/options';
import { SIM_CLIENT } from '../../dev/simulator/genesys/options';
import { listenGenesys, type RunningGenesysSimulator } from '../../dev/simulator/genesys/server';
import { FailureType } from '../../model/failures';
import { sameShifts } from '../../model/shift';
import { GenesysWfmAdapter, type GenesysAdapterOptions } from '../../wfm/genesys/genesys-adapter';
import type { NotificationChannelEvent } from '../../wfm/genesys/notifications';
import { GenesysOAuthTokens } from '../../wfm/genesys/oauth';
import { AdaptiveRateController } from '../../wfm/rate/adaptive-rate';
import { createWorkerMetrics } from '../../worker/metrics';
import { rebase } from '../../wfm/rebase';
import { eventually, waitUntil } from '../support/wait-until';

const planned = [{ start: '2026-03-03T15:00:00Z', lengthMinutes: 240, activityCode: '0' }];
/** Long enough that a test passing quickly shows the notification, not the timeout, ended the wait. */
const ASYNC_WAIT_MS = 8_000;

/** The Genesys adapter learns how an asynchronous update ended from the simulator's notification channel. */
describe('the Genesys adapter with notifications, against the Genesys simulator', () => {
  let sim: GenesysSimulator;
  let running: RunningGenesysSimulator | undefined;
  let wfm: GenesysWfmAdapter | undefined;
  afterEach(async () => {
    await wfm?.close();
    await running?.close();
    wfm = undefined;
    running = undefined;
  });

  async function start(
    options: GenesysSimulatorOptionsInput = {},
    adapter: Partial<GenesysAdapterOptions> = {},
  ) {
    sim = createGenesysSimulator({ processingDelayMs: 300, ...options });
    running = await listenGenesys(sim);
    const schedule = sim.store.allSchedules()[0];
    if (!schedule) throw new Error('the simulator seeded no schedule');
    const agentIds = [...schedule.agents.keys()];
    const events: NotificationChannelEvent[] = [];
    wfm = new GenesysWfmAdapter({
      apiBaseUrl: running.url,
      tokens: new GenesysOAuthTokens({
        loginBaseUrl: running.url,
        clientId: SIM_CLIENT.id,
        clientSecret: SIM_CLIENT.secret,
      }),
      rate: new AdaptiveRateController(),
      asyncPollMs: 50,
      asyncWaitMs: ASYNC_WAIT_MS,
      notificationWaitMs: ASYNC_WAIT_MS,
      ...adapter,
      notifications: { onEvent: (e) => events.push(e), ...adapter.notifications },
    });
    const target = {
      scheduleId: schedule.id,
      businessUnitId: schedule.businessUnitId,
      weekId: schedule.weekId,
      agentIds: agentIds.slice(0, 3),
    };
    return { wfm, target, schedule, agentIds, events };
  }

  /** GETs of the schedule's metadata (what polling does) made after the `update` call. */
  function pollsAfterUpdate(scheduleId: string) {
    const update = sim.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/update')).at(-1);
    if (!update) throw new Error('no update was sent');
    return sim.requests.filter(
      (r) => r.seq > update.seq && r.method === 'GET' && r.path.endsWith(`/schedules/${scheduleId}`),
    );
  }

  it('fails a stale-agent update as a version conflict as soon as its Error notification arrives', async () => {
    const { wfm, target, agentIds } = await start();
    const read = await wfm.readSchedule(target);
    const agentId = agentIds[0] ?? '';
    await fetch(`${running?.url}/_sim/edit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ scheduleId: target.scheduleId, userId: agentId }),
    });
    const { changes } = rebase(read.agents, [{ agentId, shifts: planned }]);
    const startedMs = Date.now();
    await expect(wfm.writeAgents(read, changes)).rejects.toMatchObject({
      type: FailureType.VersionConflict,
      message: expect.stringContaining('ended Error'),
    });
    expect(Date.now() - startedMs).toBeLessThan(ASYNC_WAIT_MS / 2);

    const errors = sim.notifications.log.filter(
      (n) => (n.eventBody as { status?: string }).status === 'Error',
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]?.topicName).toBe(
      `v2.workforcemanagement.businessunits.${target.businessUnitId}.schedules`,
    );
    expect(errors[0]?.deliveredTo).toHaveLength(1);
    expect(pollsAfterUpdate(target.scheduleId)).toEqual([]);
    expect(sim.store.commits.filter((c) => c.writer === 'api')).toHaveLength(0);
  });

  it('completes an asynchronous update from its notification, without polling, on one channel', async () => {
    const { wfm, target, schedule, agentIds, events } = await start();
    for (const [i, agentId] of agentIds.slice(0, 2).entries()) {
      const read = await wfm.readSchedule(target);
      const shifts = planned.map((s) => ({ ...s, lengthMinutes: s.lengthMinutes + i * 60 }));
      const { changes } = rebase(read.agents, [{ agentId, shifts }]);
      const written = await wfm.writeAgents(read, changes);
      expect(written.version).toBe(String(schedule.version));
      expect(Number(written.version)).toBeGreaterThan(Number(read.version));
      expect(pollsAfterUpdate(target.scheduleId)).toEqual([]);
      const again = await wfm.readSchedule(target);
      expect(sameShifts(again.agents.find((a) => a.agentId === agentId)?.shifts ?? [], shifts)).toBe(true);
    }
    const completes = sim.notifications.log.filter(
      (n) => (n.eventBody as { status?: string }).status === 'Complete',
    );
    expect(completes).toHaveLength(2);
    // One channel for the process, subscribed once.
    const channelCalls = sim.requests.filter((r) => r.path.startsWith('/api/v2/notifications/'));
    expect(channelCalls.map((r) => `${r.method} ${r.status}`)).toEqual(['POST 200', 'PUT 200']);
    expect(events.map((e) => e.kind)).toEqual(['open']);
    expect(sim.store.commits.filter((c) => c.writer === 'api')).toHaveLength(2);
  });

  it('reports each notification that ended an update, with its latency, to the worker metrics', async () => {
    const metrics = createWorkerMetrics();
    const { wfm, target, agentIds } = await start({}, { metrics: metrics.wfm });
    for (const [i, agentId] of agentIds.slice(0, 2).entries()) {
      const read = await wfm.readSchedule(target);
      const shifts = planned.map((s) => ({ ...s, lengthMinutes: s.lengthMinutes + i * 60 }));
      await wfm.writeAgents(read, rebase(read.agents, [{ agentId, shifts }]).changes);
    }
    const text = metrics.registry.render();
    expect(text).toContain('wfm_push_genesys_notification_seconds_count 2\n');
    // The simulator takes processingDelayMs (300 ms) to finish each update before it notifies.
    const sum = Number(/^wfm_push_genesys_notification_seconds_sum (\S+)$/m.exec(text)?.[1]);
    expect(sum).toBeGreaterThanOrEqual(0.5);
    expect(text).toContain('wfm_push_genesys_channel_reconnects_total 0\n');
  });

  it('ignores duplicate notifications, and keeps one that may come before the update answers', async () => {
    const { wfm, target, agentIds } = await start({ processingDelayMs: 0, duplicateNotificationShare: 1 });
    const read = await wfm.readSchedule(target);
    const agentId = agentIds[1] ?? '';
    const { changes } = rebase(read.agents, [{ agentId, shifts: planned }]);
    const written = await wfm.writeAgents(read, changes);
    expect(Number(written.version)).toBeGreaterThan(Number(read.version));
    expect(pollsAfterUpdate(target.scheduleId)).toEqual([]);
  });

  it('polls as before when the notification channel cannot be opened', async () => {
    const { wfm, target, schedule, agentIds, events } = await start(
      {},
      // Nothing listens on port 9: creating the channel fails, so the write falls back to polling.
      { notifications: { apiBaseUrl: 'http://127.0.0.1:9' } },
    );
    const read = await wfm.readSchedule(target);
    const agentId = agentIds[0] ?? '';
    const { changes } = rebase(read.agents, [{ agentId, shifts: planned }]);
    const written = await wfm.writeAgents(read, changes);
    expect(written.version).toBe(String(schedule.version));
    expect(pollsAfterUpdate(target.scheduleId).length).toBeGreaterThan(0);
    expect(events.map((e) => e.kind)).toEqual(['unavailable']);
    expect(sim.store.commits.filter((c) => c.writer === 'api')).toHaveLength(1);
    const again = await wfm.readSchedule(target);
    expect(sameShifts(again.agents.find((a) => a.agentId === agentId)?.shifts ?? [], planned)).toBe(true);
  });

  it('polls as before when the websocket drops during the wait, then opens the same channel again', async () => {
    const { wfm, target, schedule, agentIds, events } = await start(
      { processingDelayMs: 1_000 },
      { notifications: { reconnectMinMs: 50, reconnectMaxMs: 200 } },
    );
    const read = await wfm.readSchedule(target);
    const agentId = agentIds[0] ?? '';
    const { changes } = rebase(read.agents, [{ agentId, shifts: planned }]);
    const writing = wfm.writeAgents(read, changes);
    // Once the update is Processing, the simulator drops every websocket (as a restart of the service would).
    await waitUntil(
      'the update is Processing',
      () => sim.requests.some((r) => r.path.endsWith('/update')),
      2_000,
      20,
    );
    sim.notifications.stop();
    const written = await writing;
    expect(written.version).toBe(String(schedule.version));
    expect(pollsAfterUpdate(target.scheduleId).length).toBeGreaterThan(0);
    // The reconnect comes within 200 ms on a quiet machine; CI's other tests can hold it up for seconds.
    await eventually(() => expect(events.map((e) => e.kind)).toEqual(['open', 'closed', 'open']), 10_000, 20);
    // An OAuth client has 20 channels and a 21st evicts the oldest: a reconnect reuses the channel it had.
    expect(events.at(-1)).toMatchObject({ kind: 'open', reused: true });
    expect(
      sim.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/notifications/channels')),
    ).toHaveLength(1);
  });

  it('creates a channel again, and says so, when its own was evicted by a 21st of the same OAuth client', async () => {
    const { wfm, target, events } = await start(
      {},
      { notifications: { reconnectMinMs: 50, reconnectMaxMs: 200 } },
    );
    await wfm.readSchedule(target);
    const read = await wfm.readSchedule(target);
    await wfm.writeAgents(
      read,
      rebase(read.agents, [{ agentId: target.agentIds[0] ?? '', shifts: planned }]).changes,
    );
    const first = events.find((e) => e.kind === 'open');
    // Twenty channels of other workers of the same client, then the websockets drop: ours, the oldest, is evicted.
    sim.notifications.stop();
    const caller = { token: 't', clientId: SIM_CLIENT.id, permissions: [] };
    for (let i = 0; i < 20; i++)
      sim.notifications.createChannel(caller, running?.url.replace(/^http/, 'ws') ?? '');
    const opens = () => events.filter((e) => e.kind === 'open');
    await eventually(() => expect(events.map((e) => e.kind)).toContain('closed'), 2_000, 20);
    // The next write needs the channel again.
    const again = await wfm.readSchedule(target);
    await wfm.writeAgents(
      again,
      rebase(again.agents, [{ agentId: target.agentIds[1] ?? '', shifts: planned }]).changes,
    );
    await eventually(() => expect(opens()).toHaveLength(2), 15_000, 20);
    expect(events.map((e) => e.kind)).toContain('evicted');
    expect(opens()[1]).toMatchObject({ reused: false, topics: 1 });
    const last = events.filter((e) => e.kind === 'open').at(-1);
    expect(last).not.toMatchObject({ channelId: (first as { channelId: string }).channelId });
  });
});
