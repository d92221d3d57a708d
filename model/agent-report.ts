import { AGENT_OUTCOMES, type AgentOutcome, type AgentOutcomeKind } from './agent-outcome';
import type { PushState, ScheduleResult } from './report';
import { FailureType } from './failures';

/** Outcomes counted only when some agent has them. */
type UnfinishedKind = 'not-started' | 'in-flight' | 'superseded';

/** One planned agent in the per-agent report: its schedule and its outcome. */
export interface AgentRow extends AgentOutcome {
  scheduleId: string;
}

/** `wfm-push report <planId> --agents --json`: every planned agent's outcome (documented in the README). */
export interface AgentReport {
  planId: string;
  state: PushState;
  /**
   * Agents per outcome; they add up to the agents listed. `not-started`, `in-flight` and `superseded` are there only
   * when some agent has them (a cancelled push, a push a newer plan took over).
   */
  counts: Record<Exclude<AgentOutcomeKind, UnfinishedKind>, number> & Partial<Record<UnfinishedKind, number>>;
  /** Every planned agent of every finished schedule, in plan order (while running: the schedules finished so far). */
  agents: AgentRow[];
  /** Schedules whose line was stored without per-agent outcomes (by a version before them); their agents are not listed. */
  schedulesWithoutAgentOutcomes: string[];
}

/**
 * The per-agent report from the plan's schedules and the stored lines. Once the push has ended, a schedule it never
 * started lists its agents as not started (with the NotStarted reason), one still finishing (`inFlight`) as in flight,
 * like the schedule report; a failed line that landed nothing lists every agent failed with the schedule's reason even
 * if it was stored without per-agent outcomes.
 */
export function buildAgentReport(
  planId: string,
  state: PushState,
  planned: ReadonlyArray<{ scheduleId: string; agentIds: readonly string[] }>,
  results: readonly ScheduleResult[],
  inFlight: ReadonlySet<string> = new Set(),
): AgentReport {
  const byId = new Map(results.map((r) => [r.scheduleId, r]));
  const report: AgentReport = {
    planId,
    state,
    counts: Object.fromEntries(
      AGENT_OUTCOMES.filter((o) => o !== 'not-started' && o !== 'in-flight' && o !== 'superseded').map(
        (o) => [o, 0],
      ),
    ) as AgentReport['counts'],
    agents: [],
    schedulesWithoutAgentOutcomes: [],
  };
  for (const { scheduleId, agentIds } of planned) {
    const line = byId.get(scheduleId);
    const outcomes = line
      ? outcomesOf(line, agentIds)
      : unfinished(state, agentIds, inFlight.has(scheduleId));
    if (outcomes === undefined) {
      if (line) report.schedulesWithoutAgentOutcomes.push(scheduleId);
      continue;
    }
    for (const outcome of outcomes) {
      report.agents.push({ scheduleId, ...outcome });
      report.counts[outcome.outcome] = (report.counts[outcome.outcome] ?? 0) + 1;
    }
  }
  return report;
}

function outcomesOf(line: ScheduleResult, agentIds: readonly string[]): AgentOutcome[] | undefined {
  if (line.agents) return line.agents;
  const nothingLanded = line.agentsChanged === 0 && line.agentsAlreadyInPlace === 0;
  if (line.failure && nothingLanded)
    return agentIds.map((agentId) => ({ agentId, outcome: 'failed', failure: line.failure }));
  return undefined;
}

function unfinished(
  state: PushState,
  agentIds: readonly string[],
  inFlight: boolean,
): AgentOutcome[] | undefined {
  if (state === 'running') return undefined;
  if (inFlight) return agentIds.map((agentId) => ({ agentId, outcome: 'in-flight' }));
  const failure = {
    type: FailureType.NotStarted,
    message: `the push was ${state} before this schedule was started`,
  };
  return agentIds.map((agentId) => ({ agentId, outcome: 'not-started', failure }));
}
