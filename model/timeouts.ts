/**
 * How the activities and workflows bound the time a lost task costs. When the Temporal server crashes, a task it had
 * just handed to a worker (or the worker's answer) can be lost; the server notices only when the task's timeout
 * passes, so these timeouts are how long a push stalls after a crash (bench/restart.ts measures it). They say nothing
 * about how long the WFM may take: a sync waits for a slow WFM as long as it keeps heartbeating.
 */

/**
 * How often a long activity (a sync, a wait for another push) heartbeats; the worker sends each beat on at once. The
 * first beat goes out at once, so a sync whose read answers within this time heartbeats the agents it sets out to
 * write before it writes (a successor then counts them right if this worker dies mid-write).
 */
export const HEARTBEAT_EVERY_MS = 5_000;

/**
 * A long activity without a heartbeat for this long is retried (its worker died, or it was lost in a server crash).
 * A beat may be missed: an event loop busy for several seconds does not trip it.
 */
export const HEARTBEAT_TIMEOUT_MS = 12_000;

/**
 * A store activity (record a schedule's result, read a page of the plan) takes milliseconds; one lost in a crash is
 * retried after this. Generous for a slow disk or database, and a retry finds the plan the first attempt parsed.
 */
export const STORE_ACTIVITY_TIMEOUT_MS = 10_000;
