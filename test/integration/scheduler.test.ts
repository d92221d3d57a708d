import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AgentReport } from '../../model/agent-report';
import type { Plan } from '../../model/plan';
import type { DiffReport } from '../../model/plan-diff';
import { canonicalShifts, sameShifts, type Shift } from '../../model/shift';
import type { ScheduleDocument } from '../../wfm/rest/schedule-document';
import { AGENT_CSV_COLUMNS, pushAgentReport, shiftsText } from '../../client/agent-report';
import { Harness } from '../support/harness';
import { runCli } from '../support/run-cli';

/** The plan as a planning engine that read `documents` would write it: each agent says what it was based on. */
function withBasedOn(plan: Plan, documents: readonly ScheduleDocument[]): Plan {
  const live = new Map(documents.flatMap((d) => d.agents.map((a) => [`${d.id}/${a.agentId}`, a.shifts])));
  return {
    ...plan,
    schedules: plan.schedules.map((s) => ({
      ...s,
      agents: s.agents.map((a) => ({
        ...a,
        basedOn: { shifts: live.get(`${s.scheduleId}/${a.agentId}`) ?? [] },
      })),
    })),
  };
}

/** The planned agents of `schedule` that its document holds (the sample leaves some out: the push adds them). */
function heldAgents(documents: readonly ScheduleDocument[], schedule: Plan['schedules'][number] | undefined) {
  const doc = documents.find((d) => d.id === schedule?.scheduleId);
  return (schedule?.agents ?? []).filter((a) => doc?.agents.some((d) => d.agentId === a.agentId));
}

const quarterHourLater = (shifts: readonly Shift[]): Shift[] =>
  shifts.map((s, i) =>
    i === 0 ? { ...s, start: new Date(Date.parse(s.start) + 15 * 60_000).toISOString() } : s,
  );

/** A supervisor edits an agent in the WFM UI: one commit by another writer, straight into the simulator's store. */
function editByHand(
  store: { get(id: string): ScheduleDocument | undefined; commit(d: ScheduleDocument, w: 'manual'): unknown },
  scheduleId: string,
  agentId: string,
): Shift[] {
  const doc = store.get(scheduleId);
  if (!doc) throw new Error(`no schedule ${scheduleId}`);
  let edited: Shift[] = [];
  store.commit(
    {
      ...doc,
      agents: doc.agents.map((a) =>
        a.agentId === agentId ? { ...a, shifts: (edited = quarterHourLater(a.shifts)) } : a,
      ),
    },
    'manual',
  );
  return edited;
}

describe('what a scheduler needs before and after the push (diff, per-agent outcomes, overwrite policy)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.create();
  });
  afterEach(() => h.afterEach());
  afterAll(() => h.teardown());

  function file(name: string, content: unknown): string {
    const p = path.join(h.dataDir, `${name}-${Date.now()}.json`);
    writeFileSync(p, JSON.stringify(content));
    return p;
  }

  it('diff reads every schedule through the worker, shows what the push would change, and writes nothing', async () => {
    const {
      plan: raw,
      documents,
      simulator: sim,
      env,
    } = await h.scenario('diff', { schedules: 4, agents: 40 });
    const plan = withBasedOn(raw, documents);
    const s0 = plan.schedules[0];
    const [edited, inPlace] = heldAgents(documents, s0);
    if (!s0 || !edited || !inPlace) throw new Error('sample too small');
    // One agent edited by hand since planning; one already holds its plan; one schedule the WFM does not have.
    editByHand(sim.sim.store, s0.scheduleId, edited.agentId);
    const doc = sim.sim.store.get(s0.scheduleId);
    if (!doc) throw new Error('no doc');
    sim.sim.store.commit(
      {
        ...doc,
        agents: doc.agents.map((a) => (a.agentId === inPlace.agentId ? { ...a, shifts: inPlace.shifts } : a)),
      },
      'manual',
    );
    const withMissing: Plan = {
      ...plan,
      schedules: [
        ...plan.schedules,
        { scheduleId: `${plan.planId}-nowhere`, agents: [{ agentId: 'x', shifts: [] }] },
      ],
    };
    const commitsBefore = await sim.api.commits();
    const requestsBefore = (await sim.api.requests()).length;

    const run = await runCli(['diff', file('plan', withMissing), '--json'], env);

    expect(run.code).toBe(1); // one schedule could not be read
    const diff = JSON.parse(run.stdout) as DiffReport;
    // Nothing was written: the commit log is as it was, and every request the diff sent was a GET.
    expect(await sim.api.commits()).toEqual(commitsBefore);
    const requests = (await sim.api.requests()).slice(requestsBefore);
    expect(requests.map((r) => r.method)).toEqual(Array(5).fill('GET'));

    const missingAgents = documents.flatMap((d, i) => {
      const present = new Set(d.agents.map((a) => a.agentId));
      return (plan.schedules[i]?.agents ?? []).filter((a) => !present.has(a.agentId));
    });
    expect(diff).toMatchObject({
      planId: plan.planId,
      state: 'completed',
      onNewerEdit: 'keep-theirs',
      summary: {
        schedules: 5,
        schedulesRead: 4,
        schedulesUnreadable: 1,
        agents: 41,
        agentsToWrite: 38,
        agentsInPlace: 1,
        agentsEditedSincePlan: 1,
        agentsMissing: missingAgents.length,
        agentsCleared: 0,
      },
    });
    const first = diff.schedules[0];
    expect(first?.version).toBe('3');
    expect(first?.agents.find((a) => a.agentId === edited.agentId)).toMatchObject({
      status: 'edited-since-plan',
      push: 'keep-theirs',
      liveShifts: expect.any(Array) as unknown,
    });
    expect(first?.agents.find((a) => a.agentId === inPlace.agentId)).toMatchObject({
      status: 'in-place',
      push: 'none',
    });
    // The sample moves every shift one to three hours: each written agent's five shifts are added and five removed.
    const written = diff.schedules.flatMap((s) => s.agents).filter((a) => a.push === 'write');
    for (const a of written) expect(a.added.length).toBe(5);
    expect(diff.summary.shiftsAdded).toBe(38 * 5);
    expect(diff.schedules[4]?.error).toMatchObject({
      type: 'Rejected',
      message: expect.stringContaining('404') as unknown,
    });

    const human = await runCli(['diff', file('plan', plan)], env);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(
      /schedule\s+version\s+agents\s+write\s+in place\s+missing\s+edited\s+\+shifts/,
    );
    expect(human.stdout).toContain(`${s0.scheduleId} / ${edited.agentId}: push would keep-theirs; live:`);
    expect(human.stdout).toContain(
      'Summary: 4 of 4 schedules read, 0 not read; 38 of 40 agents would be written',
    );
    expect(await sim.api.commits()).toEqual(commitsBefore);
  });

  it('keep-theirs: an edit made after planning survives the push and the per-agent report names it with its live shifts', async () => {
    const {
      plan: raw,
      documents,
      simulator: sim,
      env,
    } = await h.scenario('keep', { schedules: 3, agents: 30 });
    const plan = withBasedOn(raw, documents);
    const s1 = plan.schedules[1];
    const [target] = heldAgents(documents, s1);
    if (!s1 || !target) throw new Error('sample too small');
    const theirs = editByHand(sim.sim.store, s1.scheduleId, target.agentId);

    const run = await runCli(['push', file('plan', plan), '--wait', '--json'], env);
    expect(run.code).toBe(0); // kept-theirs is the policy's outcome, not a failure
    expect(JSON.parse(run.stdout)).toMatchObject({
      totals: { agentsChanged: 29, agentsKeptTheirs: 1, agentsFailed: 0, schedulesFailed: 0 },
    });
    // Their edit is what the schedule holds, and the push never wrote that agent.
    const live = sim.sim.store.get(s1.scheduleId)?.agents.find((a) => a.agentId === target.agentId);
    expect(sameShifts(live?.shifts ?? [], theirs)).toBe(true);
    const apiChanges = (await sim.api.commits()).filter((c) => c.writer === 'api').flatMap((c) => c.changes);
    expect(apiChanges.map((c) => c.agentId)).not.toContain(target.agentId);
    expect(apiChanges).toHaveLength(29);

    const agents = await runCli(['report', plan.planId, '--agents', '--json'], env);
    expect(agents.code).toBe(0);
    const report = JSON.parse(agents.stdout) as AgentReport;
    expect(report.counts).toEqual({
      applied: 29,
      'already-in-place': 0,
      'kept-theirs': 1,
      protected: 0,
      failed: 0,
    });
    const kept = report.agents.find((a) => a.agentId === target.agentId);
    expect(kept).toMatchObject({
      scheduleId: s1.scheduleId,
      outcome: 'kept-theirs',
      newerEdit: { action: 'kept' },
    });
    expect(sameShifts(kept?.newerEdit?.liveShifts ?? [], theirs)).toBe(true);
    const human = await runCli(['report', plan.planId, '--agents'], env);
    expect(human.stdout).toContain('29 applied, 0 already in place, 1 kept theirs, 0 failed');
    expect(human.stdout).toMatch(
      new RegExp(`${target.agentId}\\s+kept-theirs\\s+edited since plan \\(kept\\); live: `),
    );
  });

  it('verify --repair puts a drifted agent back by default, and keeps it with --on-newer-edit keep-theirs', async () => {
    const {
      plan: raw,
      documents,
      simulator: sim,
      env,
    } = await h.scenario('repair', { schedules: 2, agents: 10 });
    const plan = withBasedOn(raw, documents);
    const s0 = plan.schedules[0];
    const [target] = heldAgents(documents, s0);
    if (!s0 || !target) throw new Error('sample too small');
    expect((await runCli(['push', file('plan', plan), '--wait'], env)).code).toBe(0);
    // After the push a supervisor edits the agent: drift, and an edit newer than what the plan was based on.
    const theirs = editByHand(sim.sim.store, s0.scheduleId, target.agentId);
    const live = () =>
      sim.sim.store.get(s0.scheduleId)?.agents.find((a) => a.agentId === target.agentId)?.shifts;

    const kept = await runCli(
      ['verify', plan.planId, '--repair', '--on-newer-edit', 'keep-theirs', '--json'],
      env,
    );
    expect({ code: kept.code, report: JSON.parse(kept.stdout) as unknown }).toMatchObject({
      report: { repair: { planId: `${plan.planId}-repair-1` } },
    });
    expect(sameShifts(live() ?? [], theirs)).toBe(true);
    const keptAgents = JSON.parse(
      (await runCli(['report', `${plan.planId}-repair-1`, '--agents', '--json'], env)).stdout,
    ) as AgentReport;
    expect(keptAgents.agents).toMatchObject([{ agentId: target.agentId, outcome: 'kept-theirs' }]);

    // The same drifted agents make the same repair plan: the check reuses its number and pushes it again.
    const repaired = await runCli(['verify', plan.planId, '--repair', '--json'], env);
    const repairId = (JSON.parse(repaired.stdout) as { repair?: { planId: string } }).repair?.planId ?? '';
    expect(repairId).toMatch(new RegExp(`^${plan.planId}-repair-\\d$`));
    expect(sameShifts(live() ?? [], target.shifts)).toBe(true);
    const repairedAgents = JSON.parse(
      (await runCli(['report', repairId, '--agents', '--json'], env)).stdout,
    ) as AgentReport;
    expect(repairedAgents.agents).toMatchObject([
      { agentId: target.agentId, outcome: 'applied', newerEdit: { action: 'overwritten' } },
    ]);
  });

  it('keep-theirs on a schedule that then fails: its kept agents are reported kept-theirs, not failed', async () => {
    const {
      plan: raw,
      documents,
      simulator: sim,
      queue,
    } = await h.scenario('kept-then-failed', {
      schedules: 1,
      agents: 10,
      // Every write meets another writer: the schedule fails as contention once its budget is spent.
      simulator: { conflictRate: 1, randomSeed: 3 },
    });
    const plan = withBasedOn(raw, documents);
    const [target] = heldAgents(documents, plan.schedules[0]);
    if (!target) throw new Error('sample too small');
    editByHand(sim.sim.store, plan.schedules[0]!.scheduleId, target.agentId);

    const report = await h.push(plan, queue, { conflictBudget: 2 });

    expect(report.schedules[0]).toMatchObject({ outcome: 'failed', failure: { type: 'Contention' } });
    const agents = await pushAgentReport(h.context(queue), plan.planId);
    if (!agents) throw new Error('no agent report');
    expect(agents.agents.find((a) => a.agentId === target.agentId)?.outcome).toBe('kept-theirs');
    // The totals and the per-agent report agree, and every planned agent is counted once.
    expect(agents.counts['kept-theirs']).toBe(report.totals.agentsKeptTheirs);
    expect(agents.counts.failed).toBe(report.totals.agentsFailed);
    expect(Object.values(agents.counts).reduce((a, b) => a + b, 0)).toBe(10);
    for (const a of agents.agents.filter((x) => x.outcome === 'failed'))
      expect(a.failure).toMatchObject({ type: 'Contention' });
  });

  it('keep-theirs holds while another writer races the push: every agent it kept holds their edit, no other is lost', async () => {
    const {
      plan: raw,
      documents,
      simulator: sim,
      queue,
    } = await h.scenario('race', {
      schedules: 10,
      agents: 100,
      simulator: { conflictRate: 0.5, randomSeed: 5 },
    });
    // The conflict writer edits a random agent (planned or not) just before a write: planned ones are newer edits.
    const plan = withBasedOn(raw, documents);
    const report = await h.push(plan, queue);
    expect(report.totals.schedulesFailed).toBe(0);
    const agents = await pushAgentReport(h.context(queue), plan.planId);
    if (!agents) throw new Error('no agent report');
    expect(agents.agents).toHaveLength(100);
    expect(agents.counts['kept-theirs']).toBeGreaterThan(0);
    expect(agents.counts['kept-theirs']).toBe(report.totals.agentsKeptTheirs);
    expect(agents.counts.applied).toBe(report.totals.agentsChanged);
    expect(agents.counts.failed).toBe(0);

    const kept = agents.agents.filter((a) => a.outcome === 'kept-theirs');
    const keptIds = new Set(kept.map((a) => `${a.scheduleId}/${a.agentId}`));
    for (const a of kept) {
      const live = sim.sim.store.get(a.scheduleId)?.agents.find((x) => x.agentId === a.agentId);
      expect(sameShifts(live?.shifts ?? [], a.newerEdit?.liveShifts ?? [])).toBe(true);
    }
    // The invariants, with the kept agents out of the plan: the push must then never have written them (a write of
    // an agent the plan does not name is a lost update), and every other agent holds its plan.
    const withoutKept: Plan = {
      ...plan,
      schedules: plan.schedules.map((s) => ({
        ...s,
        agents: s.agents.filter((a) => !keptIds.has(`${s.scheduleId}/${a.agentId}`)),
      })),
    };
    expect(await h.violations(sim.api, withoutKept, report)).toEqual([]);
  });

  it('fail: the edited agent fails with its reason, the others land; the CSV export lists every agent as the JSON does', async () => {
    const {
      plan: raw,
      documents,
      simulator: sim,
      env,
    } = await h.scenario('fail', { schedules: 3, agents: 15 });
    const plan = withBasedOn(raw, documents);
    const s0 = plan.schedules[0];
    const [target] = heldAgents(documents, s0);
    if (!s0 || !target) throw new Error('sample too small');
    const theirs = editByHand(sim.sim.store, s0.scheduleId, target.agentId);
    const missing = `${plan.planId}-nowhere`;
    const withMissing: Plan = {
      ...plan,
      schedules: [
        ...plan.schedules,
        {
          scheduleId: missing,
          agents: [
            { agentId: 'x-1', shifts: [] },
            { agentId: 'x-2', shifts: [] },
          ],
        },
      ],
    };

    const run = await runCli(
      ['push', file('plan', withMissing), '--on-newer-edit', 'fail', '--wait', '--json'],
      env,
    );
    expect(run.code).toBe(1);
    const pushed = JSON.parse(run.stdout) as {
      schedules: Array<{ scheduleId: string; outcome: string; failure?: { type: string } }>;
    };
    expect(pushed.schedules.find((s) => s.scheduleId === s0.scheduleId)).toMatchObject({
      outcome: 'failed',
      failure: { type: 'NewerEdit' },
      agentsChanged: 4,
    });
    const live = sim.sim.store.get(s0.scheduleId)?.agents.find((a) => a.agentId === target.agentId);
    expect(sameShifts(live?.shifts ?? [], theirs)).toBe(true);

    const json = await runCli(['report', plan.planId, '--agents', '--json'], env);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as AgentReport;
    expect(report.counts).toEqual({
      applied: 14,
      'already-in-place': 0,
      'kept-theirs': 0,
      protected: 0,
      failed: 3,
    });
    expect(report.agents.find((a) => a.agentId === target.agentId)).toMatchObject({
      outcome: 'failed',
      failure: {
        type: 'NewerEdit',
        message: expect.stringContaining('edited since the plan was computed') as unknown,
      },
      newerEdit: { action: 'refused' },
    });
    for (const id of ['x-1', 'x-2'])
      expect(report.agents.find((a) => a.agentId === id)).toMatchObject({
        scheduleId: missing,
        outcome: 'failed',
        failure: {
          type: 'Rejected',
          message: expect.stringContaining(`schedule ${missing} does not exist`) as unknown,
        },
      });

    const csv = await runCli(['report', plan.planId, '--csv'], env);
    expect(csv.code).toBe(1);
    const rows = csv.stdout.trimEnd().split('\r\n').map(parseCsvLine);
    expect(rows[0]).toEqual([...AGENT_CSV_COLUMNS]);
    expect(rows.slice(1)).toEqual(
      report.agents.map((a) => [
        a.scheduleId,
        a.agentId,
        a.outcome,
        a.failure?.type ?? '',
        a.failure?.message ?? '',
        a.newerEdit?.action ?? '',
        a.newerEdit?.liveVersion ?? '',
        a.newerEdit ? shiftsText(a.newerEdit.liveShifts) : '',
      ]),
    );
    expect(rows.find((r) => r[1] === target.agentId)?.[7]).toBe(shiftsText(canonicalShifts(theirs)));

    // Once someone has looked, a retry with plan-wins overwrites the edit: the schedule is done, the agent applied.
    const retry = await runCli(
      ['retry', plan.planId, '--on-newer-edit', 'plan-wins', '--wait', '--json'],
      env,
    );
    expect(retry.code).toBe(1); // the unknown schedule still fails
    const after = await pushAgentReport(h.context(env.WFM_PUSH_TASK_QUEUE), plan.planId);
    expect(after?.agents.find((a) => a.agentId === target.agentId)).toMatchObject({
      outcome: 'applied',
      newerEdit: { action: 'overwritten' },
    });
  });
});

/** One RFC 4180 line (no newlines inside cells in these rows). */
function parseCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else cell += c;
  }
  cells.push(cell);
  return cells;
}
