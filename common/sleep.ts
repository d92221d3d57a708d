import { setTimeout as delay } from 'node:timers/promises';

/** Waits `ms`; rejects with the signal's reason as soon as `signal` aborts (so a cancelled wait ends at once). */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch (err) {
    // The platform rejects with an AbortError; callers rethrow what cancelled them (Temporal's CancelledFailure).
    if (signal?.aborted) throw signal.reason;
    throw err;
  }
}
