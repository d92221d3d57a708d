import { conflictPause, fullJitter, QUICK_CONFLICT_RETRIES } from '../../workflows/conflict-backoff';

const highest = () => 0.999_999;
const lowest = () => 0;

describe('conflict backoff', () => {
  it('reads again at once after the first conflict that landed nothing (or one after progress)', () => {
    expect(conflictPause(0, 80, highest)).toBe(0);
    expect(conflictPause(1, 80, highest)).toBe(0);
  });

  it('pauses at most as long as one attempt took for the next few, never more than a second', () => {
    for (let n = 2; n <= QUICK_CONFLICT_RETRIES; n++) {
      expect(conflictPause(n, 80, highest)).toBe(80);
      expect(conflictPause(n, 80, lowest)).toBe(0);
      expect(conflictPause(n, 60_000, highest)).toBe(1000);
    }
  });

  it('backs off exponentially with full jitter only after a run of conflicts with nothing landed, up to 5 s', () => {
    const ceilings = [5, 6, 7, 8, 9, 10, 20].map((n) => conflictPause(n, 80, highest));
    expect(ceilings).toEqual([200, 400, 800, 1600, 3200, 5000, 5000]);
    expect(conflictPause(QUICK_CONFLICT_RETRIES + 1, 80, lowest)).toBe(1);
    expect(fullJitter(3, highest)).toBe(800);
  });
});
