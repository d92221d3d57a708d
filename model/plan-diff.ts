import type { PushState } from './report';
import type { Shift } from './shift';

/** Attempts a diff read gets; the last one stores the failure as the schedule's diff instead of failing. */
export const DIFF_READ_ATTEMPTS = 8;

/** What a push would do with one planned agent, under the overwrite policy the diff was asked about. */
/** `protected`: the plan overlaps approved time off or another system's activity; the push leaves the agent alone. */
export type DiffAction = 'write' | 'none' | 'keep-theirs' | 'fail' | 'protected';

/** One planned agent: how its live shifts differ from the plan. */
export interface AgentDiff {
  agentId: string;
  /** `in-place`: holds the plan; `changes`: the push writes it; `edited-since-plan`: its basedOn no longer matches. */
  status: 'in-place' | 'changes' | 'edited-since-plan';
  /** What the push would do: write it, nothing (in place), or leave it (keep-theirs) or fail it (fail). */
  push: DiffAction;
  /** False when the schedule does not hold the agent yet (a push adds it). */
  inSchedule: boolean;
  /** Planned shifts that start when no live shift does. */
  added: Shift[];
  /** A live shift and the planned one that starts at the same instant but differs in length or activity. */
  replaced: Array<{ live: Shift; planned: Shift }>;
  /** Live shifts that start when no planned shift does (all of them when the plan clears the agent). */
  removed: Shift[];
  /** For an agent edited since the plan: what it holds live, and its version where the WFM keeps one. */
  liveShifts?: Shift[];
  liveVersion?: string;
  /** For a `protected` agent: what its plan overlaps, as a person reads it. */
  protectedTime?: string;
}

/** Counts over agents and shifts: per schedule, and added up over the plan. */
export interface DiffCounts {
  agents: number;
  /** Agents the push would write. */
  agentsToWrite: number;
  agentsInPlace: number;
  /** Planned agents the schedule lacks. */
  agentsMissing: number;
  /** Agents whose plan is `[]` and who hold shifts now. */
  agentsCleared: number;
  agentsEditedSincePlan: number;
  /** Agents whose plan overlaps approved time off or another system's activity: never written. */
  agentsProtected: number;
  shiftsAdded: number;
  shiftsReplaced: number;
  shiftsRemoved: number;
}

/** One schedule as read for a diff; `error` when it could not be read (then `agents` is empty). */
export interface ScheduleDiff {
  scheduleId: string;
  /** The version read; null when the read failed. */
  version: string | null;
  counts: DiffCounts;
  agents: AgentDiff[];
  error?: { type: string; message: string };
}

/** `wfm-push diff --json` (documented in the README; fields are only ever added). */
export interface DiffReport {
  diffId: string;
  planId: string;
  /** The diff's workflow: running, or how it ended. */
  state: PushState;
  onNewerEdit: string;
  summary: DiffCounts & { schedules: number; schedulesRead: number; schedulesUnreadable: number };
  /** One per planned schedule, in plan order (while running: those read so far). */
  schedules: ScheduleDiff[];
}

export function emptyDiffCounts(): DiffCounts {
  return {
    agents: 0,
    agentsToWrite: 0,
    agentsInPlace: 0,
    agentsMissing: 0,
    agentsCleared: 0,
    agentsEditedSincePlan: 0,
    agentsProtected: 0,
    shiftsAdded: 0,
    shiftsReplaced: 0,
    shiftsRemoved: 0,
  };
}

export function addDiffCounts(a: DiffCounts, b: DiffCounts): DiffCounts {
  const sum = emptyDiffCounts();
  for (const key of Object.keys(sum) as Array<keyof DiffCounts>) sum[key] = (a[key] ?? 0) + (b[key] ?? 0); // stored before a count existed: 0
  return sum;
}

/** The diff report from the plan's schedules and the stored schedule diffs; a schedule not read once it ended says so. */
export function buildDiffReport(
  head: Pick<DiffReport, 'diffId' | 'planId' | 'state' | 'onNewerEdit'>,
  planned: readonly string[],
  diffs: readonly ScheduleDiff[],
): DiffReport {
  const byId = new Map(diffs.map((d) => [d.scheduleId, d]));
  const schedules: ScheduleDiff[] = [];
  for (const scheduleId of planned) {
    const diff =
      byId.get(scheduleId) ??
      (head.state === 'running'
        ? undefined
        : {
            scheduleId,
            version: null,
            counts: emptyDiffCounts(),
            agents: [],
            error: { type: 'NotRead', message: `the diff was ${head.state} before this schedule was read` },
          });
    if (diff) schedules.push(diff);
  }
  const counts = schedules.reduce((sum, d) => addDiffCounts(sum, d.counts), emptyDiffCounts());
  const unreadable = schedules.filter((d) => d.error).length;
  return {
    ...head,
    summary: {
      schedules: planned.length,
      schedulesRead: schedules.length - unreadable,
      schedulesUnreadable: unreadable,
      ...counts,
    },
    schedules,
  };
}
