import { createGenesysSimulator, type GenesysSimulator } from '../../dev/simulator/genesys/genesys-simulator';
import type { GenesysSimulatorOptionsInput } from '../../dev/simulator/genesys/options';
import { SIM_CLIENT } from '../../dev/simulator/genesys/options';
import { listenGenesys, type RunningGenesysSimulator } from '../../dev/simulator/genesys/server';
import { FailureType } from '../../model/failures';
import { sameShifts } from '../../model/shift';
import { GenesysWfmAdapter } from '../../wfm/genesys/genesys-adapter';
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

  async function start(options: GenesysSimulatorOptionsInput = {}) {
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
});
