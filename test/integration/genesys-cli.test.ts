import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parsePlan } from '../../client/plan-file';
import { freePort, startCliProcess, waitForHttp, type Service } from '../../dev/processes';
import { ensureTemporalCli } from '../../dev/temporal-dev-server';
import { runCli } from '../support/run-cli';

interface SimState {
  businessUnits: Array<{ id: string; timeZone: string; managementUnits: Array<{ agentIds: string[] }> }>;
  schedules: Array<{
    businessUnitId: string;
    weekId: string;
    metadata: { id: string };
    agentSchedules: Array<{ user: { id: string } }>;
  }>;
}

/** `wfm-push sim --api genesys` and `wfm-push demo --api genesys`, run as a user runs them (`npm run build` first). */
describe('the wfm-push CLI in genesys mode, as separate processes', () => {
  const services: Service[] = [];
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(process.env.WFM_PUSH_TEST_DIR ?? os.tmpdir(), 'genesys-cli-'));
  });
  afterEach(async () => {
    await Promise.all(services.splice(0).map((s) => s.stop(5_000)));
  });

  it('sim --api genesys --out-plan serves its organisation and writes a valid genesys plan for it', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const planFile = path.join(dir, 'sample-plan.json');
    const args = ['sim', '--api', 'genesys', '--port', String(port), '--agents', '120', '--weeks', '2'];
    const sim = startCliProcess(
      'genesys simulator',
      [...args, '--plan-agents', '100', '--out-plan', planFile],
      process.env,
      path.join(dir, 'sim.log'),
    );
    services.push(sim);
    await waitForHttp(`${url}/_sim/commits`, sim);

    const parsed = parsePlan(readFileSync(planFile, 'utf8'), undefined, 'genesys');
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const state = (await (await fetch(`${url}/_sim/state`)).json()) as SimState;
    // 120 agents: one Asia/Singapore business unit, three management units of 40 (at most 50 each), two weeks.
    expect(state.businessUnits).toHaveLength(1);
    expect(state.businessUnits[0]?.timeZone).toBe('Asia/Singapore');
    // Management units of up to 1,500 agents, as Genesys allows.
    expect(state.businessUnits[0]?.managementUnits.map((m) => m.agentIds.length)).toEqual([120]);
    expect(state.schedules.map((s) => s.weekId).sort()).toEqual(['2026-12-07', '2026-12-14']);
    expect(parsed.plan.schedules).toHaveLength(2);
    for (const planned of parsed.plan.schedules) {
      const held = state.schedules.find((s) => s.metadata.id === planned.scheduleId);
      expect(held).toMatchObject({ businessUnitId: planned.businessUnitId, weekId: planned.weekId });
      const agentIds = new Set(held?.agentSchedules.map((a) => a.user.id));
      expect(planned.agents).toHaveLength(100);
      for (const agent of planned.agents) {
        expect(agentIds.has(agent.agentId)).toBe(true);
        expect(agent.shifts).toEqual([expect.objectContaining({ lengthMinutes: 240, activityCode: '0' })]);
      }
    }

    // The client it names on stderr gets a token, and the token reads a schedule of the plan.
    expect(readFileSync(sim.logFile, 'utf8')).toContain(`listening ${url}`);
    expect(readFileSync(sim.logFile, 'utf8')).toContain(
      'GENESYS_CLIENT_ID=sim-client GENESYS_CLIENT_SECRET=sim-secret',
    );
    const token = await fetch(`${url}/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from('sim-client:sim-secret').toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    expect(token.status).toBe(200);
    const { access_token } = (await token.json()) as { access_token: string };
    const first = parsed.plan.schedules[0];
    const metadata = await fetch(
      `${url}/api/v2/workforcemanagement/businessunits/${first?.businessUnitId}/weeks/${first?.weekId}/schedules/${first?.scheduleId}`,
      { headers: { authorization: `Bearer ${access_token}` } },
    );
    expect(metadata.status).toBe(200);
  });

  it('sim refuses the flags of the other API style (exit 2)', async () => {
    const genesys = await runCli(['sim', '--api', 'genesys', '--noise-ms', '5']);
    expect(genesys.code).toBe(2);
    expect(genesys.stderr).toContain('Not for --api genesys: --noise-ms');
    const rest = await runCli(['sim', '--out-plan', path.join(dir, 'x.json')]);
    expect(rest.code).toBe(2);
    expect(rest.stderr).toContain('Not for --api rest: --out-plan');
  });

  it('demo --api genesys pushes into the Genesys simulator and the invariants hold', async () => {
    const port = await freePort();
    const run = await runCli(
      ['demo', '--api', 'genesys', '--agents', '200', '--port', String(port)],
      {
        TEMPORAL_CLI_PATH: await ensureTemporalCli({ cliPath: process.env.TEMPORAL_CLI_PATH }),
        WFM_PUSH_DATA_DIR: path.join(dir, 'demo'),
      },
      170_000,
    );
    expect(run.stderr).toContain('2/5 Genesys Cloud simulator');
    // Agents whose plan overlaps their approved time off are left alone; every other agent is in the planned state.
    const [, inPlace, leftAlone] =
      /(\d+) of 180 in the planned state .*?(?:(\d+) left alone|0 failed)/.exec(run.stdout) ?? [];
    expect(Number(inPlace) + Number(leftAlone ?? 0)).toBe(180);
    expect(run.stdout).toMatch(/Time off: \d+ approved time off/);
    expect(run.stdout).toContain('Invariants hold');
    expect(run.code).toBe(0);
  });
});
