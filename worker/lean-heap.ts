import { setFlagsFromString } from 'node:v8';

export interface LeanHeapOptions {
  /** Collect for size from this resident size on (bytes); back to V8's default below `BACK_BELOW` of it. */
  aboveBytes: number;
  /** Told when the mode changes (for the log). */
  onChange: (lean: boolean, rssBytes: number) => void;
  everyMs?: number;
  rssBytes?: () => number;
  setFlags?: (flags: string) => void;
}

/** Back to V8's default collection only well under the mark, so the mode does not flap around it. */
const BACK_BELOW = 0.6;

/**
 * Has V8 collect for a small heap (`--optimize-for-size`) only while the worker holds a lot, and its default
 * collection otherwise. Collecting for size keeps a 10,000-schedule push near the memory it holds live (V8's default
 * lets a heap grow to about four times that between full collections), but its frequent collections pause the
 * worker's thread for tens of ms at a time, and on a contended schedule every pause between a read and its write is
 * time for another writer to change the document: a small push on hot schedules met half again as many conflicts
 * with it on (docs/benchmarks.md). The flag is read at each collection, so changing it reaches the running heaps (this
 * thread's and the workflow thread's). Returns the stop.
 */
export function leanHeapAbove(options: LeanHeapOptions): () => void {
  const belowBytes = options.aboveBytes * BACK_BELOW;
  const rss = options.rssBytes ?? (() => process.memoryUsage.rss());
  const setFlags = options.setFlags ?? setFlagsFromString;
  let lean = false;
  const check = () => {
    const now = rss();
    const want = now >= options.aboveBytes ? true : now < belowBytes ? false : lean;
    if (want === lean) return;
    lean = want;
    setFlags(lean ? '--optimize-for-size' : '--no-optimize-for-size');
    options.onChange(lean, now);
  };
  check();
  const timer = setInterval(check, options.everyMs ?? 1000);
  timer.unref();
  return () => clearInterval(timer);
}
