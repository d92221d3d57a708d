import type { Plan } from '../model/plan';
import type { ScheduleResult } from '../model/report';
import type { ScheduleDocument } from './simulator/schedule-document';
import { sameShifts, type Shift } from '../model/shift';
import type { CommitRecord } from './simulator/schedule-store';
import type { WfmSimulator } from './simulator/wfm-simulator';

export type ViolationKind = 'incomplete' | 'lost-update' | 'redundant-write' | 'applied-twice' | 'unreported';

export interface Violation {
  kind: ViolationKind;
  scheduleId: string;
  /** The version where it shows, when one does. */
  version?: number;
  agentId?: string;
  message: string;
}

export interface InvariantInput {
  plan: Plan;
  /** Every schedule as it was before the push (`GET /_sim/initial`). */
  initial: ScheduleDocument[];
  /** The simulator's commit log (`GET /_sim/commits`). */
  commits: CommitRecord[];
  /** The push's per-schedule results. */
  results: ScheduleResult[];
}

/**
 * Checks docs/design.md's invariants against the simulator's evidence, not against what the push says of itself:
 * - complete: every planned agent landed or was in place (at the version the report names), or its schedule failed
 *   with a reason;
 * - no lost update: no write of the push changed an agent the plan does not name;
 * - no redundant write: no write of the push left the document as it was;
 * - exactly once: no planned change was applied twice without another writer undoing it in between.
 */
export function checkInvariants({ plan, initial, commits, results }: InvariantInput): Violation[] {
  const violations: Violation[] = [];
  const resultOf = new Map(results.map((r) => [r.scheduleId, r]));
  const commitsOf = groupBy(commits, (c) => c.scheduleId);
  for (const schedule of plan.schedules) {
    const { scheduleId } = schedule;
    const planned = new Map(schedule.agents.map((a) => [a.agentId, a.shifts]));
    const start = initial.find((d) => d.id === scheduleId);
    const log = commitsOf.get(scheduleId) ?? [];
    const result = resultOf.get(scheduleId);

    const state = new Map<string, Shift[]>((start?.agents ?? []).map((a) => [a.agentId, a.shifts]));
    const landedBy = new Map<string, number>(); // agent → version of the push write that last landed it
    const holdsAt = new Map<number, boolean>(); // version → does it hold every planned agent's plan?
    const holdsPlan = () => [...planned].every(([id, shifts]) => sameShifts(state.get(id) ?? [], shifts));
    if (start) holdsAt.set(start.version, holdsPlan());

    for (const commit of log) {
      if (commit.writer === 'api' && commit.changes.length === 0) {
        violations.push({
          kind: 'redundant-write',
          scheduleId,
          version: commit.version,
          message: 'a write of the push changed nothing',
        });
      }
      for (const change of commit.changes) {
        const { agentId } = change;
        if (commit.writer === 'api') {
          const target = planned.get(agentId);
          if (!target) {
            violations.push({
              kind: 'lost-update',
              scheduleId,
              version: commit.version,
              agentId,
              message: `a write of the push changed agent ${agentId}, which the plan does not name`,
            });
          } else if (landedBy.has(agentId)) {
            violations.push({
              kind: 'applied-twice',
              scheduleId,
              version: commit.version,
              agentId,
              message: `agent ${agentId} was written again (first landed at version ${landedBy.get(agentId)}) though nobody changed it in between`,
            });
          } else if (change.after && sameShifts(change.after, target)) {
            landedBy.set(agentId, commit.version);
          }
        } else {
          landedBy.delete(agentId); // Another writer changed it: landing it again is a fresh change, not a repeat.
        }
        if (change.after === null) state.delete(agentId);
        else state.set(agentId, change.after);
      }
      holdsAt.set(commit.version, holdsPlan());
    }

    if (!result) {
      violations.push({
        kind: 'unreported',
        scheduleId,
        message: 'the report has no line for this schedule',
      });
    } else if (result.outcome === 'in-flight') {
      violations.push({
        kind: 'unreported',
        scheduleId,
        message: 'still in flight: the report is not final',
      });
    } else if (result.outcome === 'superseded') {
      // A newer plan took the schedule over: this push claims no final state, only by whom (and what it wrote).
      if (!result.supersededBy)
        violations.push({ kind: 'unreported', scheduleId, message: 'superseded without the newer plan' });
    } else if (result.outcome === 'failed' || result.outcome === 'not-started') {
      if (!result.failure?.message)
        violations.push({ kind: 'unreported', scheduleId, message: 'failed without a reason' });
    } else if (result.versionAfter === null || holdsAt.get(Number(result.versionAfter)) !== true) {
      violations.push({
        kind: 'incomplete',
        scheduleId,
        version: Number(result.versionAfter),
        message: `the report says ${result.outcome} at version ${result.versionAfter}, but that version does not hold the plan`,
      });
    }
  }
  return violations;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** The same check against a simulator in this process (benchmarks). */
export function checkSimulator(sim: WfmSimulator, plan: Plan, results: ScheduleResult[]): Violation[] {
  return checkInvariants({
    plan,
    initial: sim.store.initialDocuments(),
    commits: sim.store.commits,
    results,
  });
}
