import type { SchedulePlan } from '../model/plan';
import type { ProtectedTime } from '../model/protected-time';
import type { Shift } from '../model/shift';

/** Which schedule a call is about, and what a WFM may need to find it. */
export interface ScheduleTarget {
  scheduleId: string;
  /** Genesys Cloud: the business unit and week (`YYYY-MM-DD`) that address the schedule. */
  businessUnitId?: string;
  weekId?: string;
  /** The planned agents: a WFM that reads per agent (Genesys Cloud) reads only these. */
  agentIds: readonly string[];
  /** Genesys Cloud: publish the schedule with the writes if it is not published yet. */
  publish?: boolean;
}

/** The target of a planned schedule: its address and its planned agents. */
export function scheduleTargetOf(planned: SchedulePlan): ScheduleTarget {
  return {
    scheduleId: planned.scheduleId,
    businessUnitId: planned.businessUnitId,
    weekId: planned.weekId,
    agentIds: planned.agents.map((a) => a.agentId),
    ...(planned.publish ? { publish: true } : {}),
  };
}

/** One agent as the WFM holds it now. */
export interface AgentState {
  agentId: string;
  shifts: Shift[];
  /**
   * The agent's own version, where the WFM keeps one (Genesys Cloud: the agent schedule's `metadata.version`); a
   * plan's `basedOn.version` is compared with it. Absent for the REST contract, which versions whole documents.
   */
  version?: string;
  /**
   * Time in the agent's schedule that no push may change (approved time off, activities booked by other systems).
   * It is not in `shifts`: the rebase compares and writes only the agent's own shifts, and writes around this.
   */
  protectedTime?: ProtectedTime[];
}

/**
 * A schedule as read from the WFM. `version` is the token the next write is conditional on; `raw` is whatever the
 * adapter needs to write it back (the whole REST document; Genesys per-agent versions). It never leaves the activity.
 */
export interface ScheduleSnapshot {
  scheduleId: string;
  version: string;
  /**
   * Genesys Cloud, after a write: the schedule is published, so Genesys notified the changed agents (at most 1,000 per
   * update, which is why no update carries more).
   */
  published?: boolean;
  agents: AgentState[];
  raw: unknown;
}

/** A planned change to one agent: after the write the agent holds exactly `shifts`. */
export interface AgentChange {
  agentId: string;
  shifts: Shift[];
}

/** What one sync's calls cost the WFM: every HTTP request sent, and how many were answered 429. */
export interface RequestCounts {
  requests: number;
  rateLimited: number;
}

/** Per call: cancellation, and the counts the adapter adds every request it sends to. */
export interface WfmCall {
  signal?: AbortSignal;
  counts?: RequestCounts;
}

/** A read and the writes based on it, held together at the worker's rate limiter (see `WfmPort.readWriteUnit`). */
export interface WfmUnit {
  /** The call to make the unit's read and writes with (same signal and counts as the one it was made from). */
  readonly call: WfmCall;
  /** Gives back what the unit did not send (a read that found everything in place writes nothing). Idempotent. */
  release(): void;
}

/**
 * The WFM as the push sees it. The REST adapter and the Genesys Cloud adapter implement it; workflows never see it.
 * Every method throws failures already classified (see `failures.ts`). A rate limit is waited out inside the call
 * (the whole worker pauses, see `rate/`), so callers see it only when the rate-limit deadline has passed.
 */
export interface WfmPort {
  /**
   * True when the WFM reads and versions per agent (Genesys Cloud: a schedule is a business-unit week of up to 5,000
   * agents, edited all day). The sync then works a chunk of planned agents at a time: it reads only those agents,
   * rebases them and writes them, so each write is based on a read as recent as it can be and earlier chunks stay
   * landed when a later one meets a conflict. Otherwise the whole schedule is read once and written in chunks.
   */
  readonly readsPerAgent?: boolean;
  /** The most agents one write may carry, whatever the worker's setting (Genesys Cloud: 1,000). */
  readonly maxAgentsPerWrite?: number;
  /**
   * Waits for the worker's rate limiter to admit one read and the `writes` writes based on it as one unit: from then
   * on they go out as soon as each is ready, not behind other schedules' requests, so another writer has as little
   * time as the network allows to move the version read. Make the read and the writes with the unit's `call`, then
   * `release()` it in a `finally`. Optional: without it every request waits its own turn. (An adapter whose write is
   * several requests that re-read the version, as Genesys Cloud's, may instead hold its write's requests together
   * inside `writeAgents` with `WfmHttp.unit`.)
   */
  readWriteUnit?(writes: number, call: WfmCall): Promise<WfmUnit>;
  readSchedule(target: ScheduleTarget, call?: WfmCall): Promise<ScheduleSnapshot>;
  /**
   * Writes `changes` onto `base`, conditional on `base.version`: a write based on an old version is refused with a
   * VersionConflict, never applied. Agents not in `changes` keep what `base` holds. Returns the schedule as written.
   */
  writeAgents(base: ScheduleSnapshot, changes: AgentChange[], call?: WfmCall): Promise<ScheduleSnapshot>;
  /**
   * One cheap request that tells whether the WFM answers and accepts the worker's credentials (REST: a read of a
   * schedule no one has, answered 404; Genesys Cloud: an OAuth token). Resolves with what it found, or throws the
   * classified failure (`Transient` with a `WfmProblem`: not reached; `Unauthorized`: credentials refused). The worker
   * runs it once at start and says what it found; it never stops the worker. Optional.
   */
  checkReach?(): Promise<string>;
  /**
   * Ends what the adapter keeps open between calls (Genesys: the notification channel's websocket and its timers).
   * The worker calls it once, after its workers have stopped running activities. Optional: the REST adapter has none.
   */
  close?(): Promise<void>;
}
