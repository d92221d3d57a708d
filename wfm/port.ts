import type { Shift } from '../model/shift';

/** One agent as the WFM holds it now. */
export interface AgentState {
  agentId: string;
  shifts: Shift[];
}

/**
 * A schedule as read from the WFM. `version` is the token the next write is conditional on; `raw` is whatever the
 * adapter needs to write it back (the whole REST document; Genesys per-agent versions). It never leaves the activity.
 */
export interface ScheduleSnapshot {
  scheduleId: string;
  version: string;
  agents: AgentState[];
  raw: unknown;
}

/** A planned change to one agent: after the write the agent holds exactly `shifts`. */
export interface AgentChange {
  agentId: string;
  shifts: Shift[];
}

/**
 * The WFM as the push sees it. The REST adapter and the Genesys Cloud adapter implement it; workflows never see it.
 * Every method throws failures already classified (see `wfm-failures.ts`).
 */
export interface WfmPort {
  readSchedule(scheduleId: string, signal?: AbortSignal): Promise<ScheduleSnapshot>;
  /**
   * Writes `changes` onto `base`, conditional on `base.version`: a write based on an old version is refused with a
   * VersionConflict, never applied. Agents not in `changes` keep what `base` holds. Returns the schedule as written.
   */
  writeAgents(
    base: ScheduleSnapshot,
    changes: AgentChange[],
    signal?: AbortSignal,
  ): Promise<ScheduleSnapshot>;
}
