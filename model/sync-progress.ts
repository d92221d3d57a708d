import type { AgentMask } from './agent-mask';

/**
 * What a schedule's sync has done so far. It rides along in heartbeat details (across activity retries) and in a
 * failure's details (back to the workflow), so no attempt's work goes uncounted.
 */
export interface SyncProgress {
  agentsChanged: number;
  writes: number;
  /** HTTP requests sent to the WFM. */
  requests: number;
  /** Requests answered 429 (each one a wait for the server's Retry-After). */
  rateLimitWaits: number;
  transientRetries: number;
  /**
   * Agents this sync set out to write and has not yet seen written: if an attempt ends without knowing (a lost
   * answer, a worker that died mid-write), the next attempt's read tells which of them landed.
   */
  agentsToLand: string[];
  /** The version the first read of this sync saw (the report's "version before"). */
  firstVersionRead?: string;
  /**
   * Planned agents this push has written, over every attempt so far (the workflow hands it to the next attempt).
   * Absent in progress recorded before per-agent outcomes existed.
   */
  appliedMask?: AgentMask;
  /** Planned agents that held the plan at this sync's last read. */
  inPlaceMask?: AgentMask;
  /** Planned agents left as someone edited them since the plan (keep-theirs), at this sync's last read. */
  keptMask?: AgentMask;
  /** At the last read: agents edited since the plan was computed and left as they are (keep-theirs). */
  agentsKeptTheirs?: number;
  /** At the last read: agents edited since the plan was computed and refused (fail). */
  agentsNewerEditRefused?: number;
  /** Planned agents not written because their plan overlaps protected time (approved time off), at the last read. */
  protectedMask?: AgentMask;
  /** At the last read: agents whose plan overlaps protected time, left as they are. */
  agentsProtected?: number;
  /**
   * Version conflicts this sync met and resolved itself by reading the chunk again (a WFM that reads per agent); the
   * workflow adds them to the schedule's conflicts.
   */
  conflicts?: number;
  /** Genesys Cloud: the schedule was published when this sync last wrote it (each changed agent was notified). */
  published?: boolean;
  /**
   * When this sync's run of failed attempts began (ms since the epoch); cleared by a landed write. Kept in heartbeat
   * details so each attempt's failure can say how long the WFM has been failing.
   */
  failingSinceMs?: number;
}

export function emptyProgress(): SyncProgress {
  return {
    agentsChanged: 0,
    writes: 0,
    requests: 0,
    rateLimitWaits: 0,
    transientRetries: 0,
    agentsToLand: [],
  };
}

/** What one sync did. No document crosses into workflow history, only these counts. */
export interface SyncResult extends SyncProgress {
  /** The version that holds the planned state: the last one written, or the one read when nothing had to change. */
  versionNow: string;
  /**
   * True when the sync itself stored the schedule's line, with every agent's outcome, in the result store: the
   * per-agent outcomes never cross into workflow history, and the workflow need not record the line again.
   */
  recorded?: boolean;
  /**
   * The write was refused for its version (someone wrote the schedule since the read): nothing of this result holds
   * the plan yet, and the workflow reads and rebases again. Only when the workflow asked for conflicts as results
   * (`conflictAsResult`); otherwise a conflict is a failed attempt.
   */
  conflict?: { message: string };
}
