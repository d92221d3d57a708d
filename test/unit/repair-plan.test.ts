import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { storeRepairPlan } from '../../activities/drift';
import { generateSample } from '../../dev/sample';
import { maskWith } from '../../model/agent-mask';
import { createStores } from '../../stores/create-stores';

describe('the repair plan of a drift check', () => {
  it('holds exactly the drifted agents, from masks and from agents named by pages read before masks existed', async () => {
    const stores = createStores({ dataDir: mkdtempSync(path.join(os.tmpdir(), 'repair-')) });
    const { plan } = generateSample({ schedules: 3, agents: 30, planId: 'week-49' });
    const planRef = await stores.plans.put(plan);
    const [s0, s1] = plan.schedules;
    if (!s0 || !s1) throw new Error('sample too small');

    const repair = await storeRepairPlan(stores, {
      planRef,
      drifted: [{ scheduleId: s0.scheduleId, mask: maskWith('', [0, 3]) }],
      named: [{ scheduleId: s1.scheduleId, agentId: s1.agents[2]!.agentId }],
    });

    expect(repair).toMatchObject({ planId: 'week-49-repair-1', schedules: 2, agentsPlanned: 3 });
    const stored = await stores.plans.get(repair.planRef);
    expect(stored.schedules.map((s) => [s.scheduleId, s.agents.map((a) => a.agentId)])).toEqual([
      [s0.scheduleId, [s0.agents[0]!.agentId, s0.agents[3]!.agentId]],
      [s1.scheduleId, [s1.agents[2]!.agentId]],
    ]);
    // Each agent exactly as the pushed plan names it (its shifts and whatever else it says).
    expect(stored.schedules[0]?.agents[1]).toEqual(s0.agents[3]);
    await stores.close();
  });
});
