import { leanHeapAbove } from '../../worker/lean-heap';
import { loadWorkerSettings } from '../../worker/settings';

const MiB = 2 ** 20;

/** The worker collects for a small heap only while it holds a lot (worker/lean-heap.ts). */
describe('lean heap above a resident size', () => {
  afterEach(() => jest.useRealTimers());

  it('turns collecting for size on above the mark and off only well below it', () => {
    jest.useFakeTimers();
    const sizes = [100, 390, 300, 240, 220, 100, 500].map((m) => m * MiB);
    let at = 0;
    const flags: string[] = [];
    const changes: Array<[boolean, number]> = [];
    const stop = leanHeapAbove({
      aboveBytes: 384 * MiB, // back to the default below 60 % of it: 230 MiB
      everyMs: 1000,
      rssBytes: () => sizes[Math.min(at++, sizes.length - 1)]!,
      setFlags: (f) => flags.push(f),
      onChange: (lean, rss) => changes.push([lean, rss / MiB]),
    });
    jest.advanceTimersByTime(6000);
    stop();
    jest.advanceTimersByTime(5000);
    expect(at).toBe(7); // stopped: no more checks
    expect(flags).toEqual(['--optimize-for-size', '--no-optimize-for-size', '--optimize-for-size']);
    expect(changes).toEqual([
      [true, 390],
      [false, 220],
      [true, 500],
    ]);
  });

  it('with a mark of 0 collects for size from the start and never stops', () => {
    jest.useFakeTimers();
    const flags: string[] = [];
    const stop = leanHeapAbove({
      aboveBytes: 0,
      rssBytes: () => 50 * MiB,
      setFlags: (f) => flags.push(f),
      onChange: () => {},
    });
    jest.advanceTimersByTime(10_000);
    stop();
    expect(flags).toEqual(['--optimize-for-size']);
  });

  it('is set by WFM_PUSH_LEAN_HEAP and WFM_PUSH_LEAN_HEAP_ABOVE_MIB', () => {
    const base = { WFM_BASE_URL: 'http://127.0.0.1:4010', WFM_TOKEN: 't' };
    expect(loadWorkerSettings(base).leanHeapAboveMiB).toBe(384);
    expect(loadWorkerSettings({ ...base, WFM_PUSH_LEAN_HEAP_ABOVE_MIB: '0' }).leanHeapAboveMiB).toBe(0);
    expect(loadWorkerSettings({ ...base, WFM_PUSH_LEAN_HEAP: 'false' }).leanHeapAboveMiB).toBeUndefined();
    expect(() => loadWorkerSettings({ ...base, WFM_PUSH_LEAN_HEAP_ABOVE_MIB: '-1' })).toThrow(
      /WFM_PUSH_LEAN_HEAP_ABOVE_MIB/,
    );
  });
});
