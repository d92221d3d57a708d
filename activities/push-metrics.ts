import type { ScheduleResult } from '../model/report';

/**
 * What the push activities report for the worker's metrics (`worker/metrics.ts` implements it). Counts, outcomes and
 * durations only: never a plan, schedule or agent ID.
 */
export interface PushMetrics {
  /** A version conflict met by a sync (re-read at once within the sync, or handed to the workflow). */
  conflict(): void;
  /** One attempt of a schedule's sync started (each start is followed by one `syncEnded`). */
  syncStarted(): void;
  /** One attempt of a schedule's sync ended, after `seconds` (whatever its result). */
  syncEnded(seconds: number): void;
  /** A schedule's final line was stored: its outcome, and each planned agent's when the line carries them. */
  scheduleRecorded(result: ScheduleResult): void;
}
