import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parsePlan } from '../../client/plan-file';
import { createGenesysSimulator, type GenesysSimulator } from '../../dev/simulator/genesys/genesys-simulator';
import { SIM_CLIENT } from '../../dev/simulator/genesys/options';
import { simulatorWorkerEnv } from '../../dev/simulator/genesys/sample-org';
import { listenGenesys, type RunningGenesysSimulator } from '../../dev/simulator/genesys/server';
import { sameShifts } from '../../model/shift';
import { GenesysDiscovery } from '../../wfm/genesys/discovery';
import { GenesysOAuthTokens } from '../../wfm/genesys/oauth';
import { runCli } from '../support/run-cli';

/**
 * A first Genesys plan without reading the API (issue 21): what a plan names, listed from the organisation, and a
 * week exported as a plan file. Against the Genesys simulator; the CLI as a separate process (`npm run build` first).
 */
describe('Genesys discovery: list what a plan names, export a week as a plan', () => {
  let sim: GenesysSimulator;
  let running: RunningGenesysSimulator;
  let discovery: GenesysDiscovery;
  beforeAll(async () => {
    sim = createGenesysSimulator({
      seed: { managementUnitsPerBu: 2, agentsPerMu: 4, weeks: ['2026-03-02', '2026-03-09'] },
    });
    running = await listenGenesys(sim);
    discovery = new GenesysDiscovery({
      apiBaseUrl: running.url,
      tokens: new GenesysOAuthTokens({
        loginBaseUrl: running.url,
        clientId: SIM_CLIENT.id,
        clientSecret: SIM_CLIENT.secret,
      }),
    });
  });
  afterAll(() => running.close());

  it('lists business units, weeks, schedules, management units, agents and activity codes', async () => {
    const [bu] = sim.store.businessUnits;
    if (!bu) throw new Error('no business unit');
    const schedule = sim.store.allSchedules().find((s) => s.weekId === '2026-03-09');
    expect((await discovery.businessUnits()).rows).toEqual([
      { businessUnitId: bu.id, name: 'Business unit 1', division: 'Home' },
    ]);
    expect((await discovery.weeks(bu.id)).rows).toEqual([
      { weekId: '2026-03-02', schedules: 1, published: 1 },
      { weekId: '2026-03-09', schedules: 1, published: 1 },
    ]);
    expect((await discovery.schedules(bu.id, '2026-03-09')).rows).toEqual([
      expect.objectContaining({ scheduleId: schedule?.id, weekId: '2026-03-09', published: true }),
    ]);
    expect((await discovery.managementUnits(bu.id)).rows.map((r) => r.managementUnitId)).toEqual(
      bu.managementUnits.map((mu) => mu.id),
    );
    const agents = (await discovery.agents(bu.id, '2026-03-09')).rows;
    expect(agents.map((a) => a.agentId).sort()).toEqual(
      bu.managementUnits.flatMap((mu) => mu.agentIds).sort(),
    );
    expect(agents.every((a) => a.scheduleId === schedule?.id)).toBe(true);
    const codes = (await discovery.activityCodes(bu.id)).rows;
    expect(codes).toContainEqual(expect.objectContaining({ activityCode: '0', category: 'OnQueueWork' }));
  });

  it('exports a week as a valid genesys plan: every agent with the shifts it holds, basedOn them', async () => {
    const [bu] = sim.store.businessUnits;
    const plan = await discovery.weekAsPlan({
      businessUnitId: bu?.id ?? '',
      weekId: '2026-03-02',
      planId: 'exported',
    });
    const parsed = parsePlan(JSON.stringify(plan), undefined, 'genesys');
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const [planned] = parsed.plan.schedules;
    const held = sim.store.allSchedules().find((s) => s.weekId === '2026-03-02');
    expect(planned?.scheduleId).toBe(held?.id);
    expect(planned?.agents).toHaveLength(8);
    for (const agent of planned?.agents ?? []) {
      expect(agent.shifts.length).toBeGreaterThan(0);
      expect(sameShifts(agent.basedOn?.shifts ?? [], agent.shifts)).toBe(true);
      expect(agent.basedOn?.version).toBe(held?.agents.get(agent.agentId)?.version);
    }
  });

  it('the CLI: genesys list (table and --json) and genesys export, with the worker settings', async () => {
    const env = simulatorWorkerEnv(running.url);
    const [bu] = sim.store.businessUnits;
    const units = await runCli(['genesys', 'list', 'business-units'], env);
    expect(units.code).toBe(0);
    expect(units.stdout).toMatch(
      new RegExp(`businessUnitId\\s+name\\s+division[\\s\\S]*${bu?.id}\\s+Business unit 1`),
    );
    // One business unit: the others need not name it.
    const weeks = JSON.parse((await runCli(['genesys', 'list', 'weeks', '--json'], env)).stdout) as unknown[];
    expect(weeks).toHaveLength(2);
    const noWeek = await runCli(['genesys', 'list', 'agents'], env);
    expect(noWeek.code).toBe(2);
    expect(noWeek.stderr).toContain('Name the week with --week');
    expect((await runCli(['genesys', 'list', 'nothing'], env)).code).toBe(2);

    const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'genesys-export-')), 'week.json');
    const exported = await runCli(['genesys', 'export', '--week', '2026-03-09', '--out', out], env);
    expect(exported.code).toBe(0);
    const parsed = parsePlan(readFileSync(out, 'utf8'), undefined, 'genesys');
    expect(parsed.ok).toBe(true);
  });
});
