import { sleep } from '../../common/sleep';

/**
 * Polls `check` until it returns a truthy value (which it returns), or fails after `timeoutMs` with `what`. For waiting
 * on a state before the test goes on; for a final check use `eventually`, whose failure shows the diff.
 */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T> | T,
  timeoutMs = 60_000,
  everyMs = 100,
): Promise<Exclude<T, false | null | undefined | 0 | ''>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as Exclude<T, false | null | undefined | 0 | ''>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await sleep(everyMs);
  }
}

/**
 * Runs `assertion` (written with `expect`) until it passes, and returns what it returns. If it still fails after
 * `timeoutMs`, its last failure is thrown as is, so the test shows the expected and received values, not a timeout.
 */
export async function eventually<T>(
  assertion: () => Promise<T> | T,
  timeoutMs = 60_000,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertion();
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    await sleep(everyMs);
  }
}

/**
 * Runs `assertion` again and again for `forMs` and fails at its first failure: for what must stay true (nothing
 * moves while paused). The dual of `eventually`; the window is how long the test watches, not a guess at a delay.
 */
export async function consistently(
  assertion: () => Promise<unknown> | unknown,
  forMs: number,
  everyMs = 100,
): Promise<void> {
  const deadline = Date.now() + forMs;
  do {
    await assertion();
    await sleep(everyMs);
  } while (Date.now() < deadline);
}
