import { emptyScheduleResult, type ScheduleResult } from '../../model/report';
import { PushLedger, type CarriedState } from '../../workflows/push-ledger';

const limits = { maxInFlight: 3, maxChildrenPerRun: 2 };

function landed(scheduleId: string, agents = 5): ScheduleResult {
  return {
    ...emptyScheduleResult(scheduleId, agents),
    outcome: 'landed',
    agentsChanged: agents,
    versionBefore: '1',
    versionAfter: '2',
    writes: 1,
  };
}

function ledger(carried?: CarriedState): PushLedger {
  return new PushLedger('plan', 4, 20, limits, carried, 0);
}

/** The bookkeeping behind a window that survives continue-as-new: which reports count, and what a run hands on. */
describe('PushLedger', () => {
  it('counts a report by signal once, whether the result event or a duplicate signal comes too', () => {
    const push = ledger();
    push.childStarted('s1', 5);
    expect(push.childRunning('s1', 'run-a')).toBe(false);

    expect(push.childReported('s1', 'run-a', landed('s1'))).toBe(true);
    expect(push.childReported('s1', 'run-a', landed('s1'))).toBe(false);
    expect(push.awaits('s1', 'run-a')).toBe(false); // the result event that follows is not counted again
    expect(push.totals).toMatchObject({ schedulesDone: 1, agentsChanged: 5 });
    expect(push.inFlight).toBe(0);
  });

  it('keeps a report that arrives before its start is known, and counts it when the start lands', () => {
    const push = ledger();
    push.childStarted('s1', 5);
    expect(push.childReported('s1', 'run-a', landed('s1'))).toBe(false);
    expect(push.noStartPending()).toBe(false);

    expect(push.childRunning('s1', 'run-a')).toBe(true);
    expect(push.totals).toMatchObject({ schedulesDone: 1, agentsChanged: 5 });
    expect(push.awaits('s1', 'run-a')).toBe(false);
  });

  it('drops reports of runs it did not start: another push’s child of the same schedule, or an unknown schedule', () => {
    const push = ledger();
    push.childStarted('s1', 5);
    push.childReported('s1', 'other-push-run', landed('s1')); // arrives while s1's start is on its way
    expect(push.childRunning('s1', 'run-a')).toBe(false);
    expect(push.childReported('s1', 'other-push-run', landed('s1'))).toBe(false);
    expect(push.childReported('s9', 'run-z', landed('s9'))).toBe(false);
    expect(push.totals.schedulesDone).toBe(0);
    expect(push.awaits('s1', 'run-a')).toBe(true);
  });

  it('a schedule waiting for another push is no start on its way, and hears nothing until it starts', () => {
    const push = ledger();
    push.childStarted('s1', 5);
    push.childWaiting('s1', true);
    expect(push.noStartPending()).toBe(true);
    expect(push.waitingForOtherPush).toBe(1);
    expect(push.childReported('s1', 'other-push-run', landed('s1'))).toBe(false);
    push.childWaiting('s1', false);
    expect(push.noStartPending()).toBe(false);
  });

  it('hands children in flight to the next run, which counts their signals and starts those still waiting', () => {
    const first = ledger();
    first.childStarted('s1', 5);
    first.childRunning('s1', 'run-a');
    first.childStarted('s2', 5);
    first.childWaiting('s2', true);
    expect(first.runIsFull(false)).toBe(true);
    const carried = first.carried();
    expect(carried.inFlight).toEqual([
      { scheduleId: 's1', agentsPlanned: 5, runId: 'run-a' },
      { scheduleId: 's2', agentsPlanned: 5 },
    ]);

    const next = ledger(carried);
    expect(next).toMatchObject({ cursor: 2, inFlight: 2 });
    expect(next.runIsFull(false)).toBe(false);
    expect(next.mayStartChild()).toBe(true);
    expect(next.carriedToStart()).toEqual([expect.objectContaining({ scheduleId: 's2' })]);
    expect(next.childrenOfEarlierRuns()).toEqual([{ scheduleId: 's1', agentsPlanned: 5, runId: 'run-a' }]);

    expect(next.childReported('s1', 'run-a', landed('s1'))).toBe(true);
    expect(next.hasChildrenOfEarlierRuns()).toBe(false);
    // The waiting one is started by this run: its result event reaches this run, so it is not "of an earlier run".
    next.childWaiting('s2', false);
    next.childRunning('s2', 'run-b');
    expect(next.hasChildrenOfEarlierRuns()).toBe(false);
    expect(next.childFinished('s2', landed('s2'))).toBe(true);
    expect(next.totals).toMatchObject({ schedulesDone: 2, agentsChanged: 10 });
    expect(next.carried().inFlight).toBeUndefined();
  });

  it('the window counts children carried from the previous run', () => {
    const push = ledger({
      cursor: 3,
      totals: ledger().totals,
      paused: false,
      run: 1,
      startedAtMs: 0,
      inFlight: ['s1', 's2', 's3'].map((id, i) => ({ scheduleId: id, agentsPlanned: 5, runId: `r${i}` })),
    });
    expect(push.mayStartChild()).toBe(false);
    push.childReported('s2', 'r1', landed('s2'));
    expect(push.mayStartChild()).toBe(true);
    expect(push.progress()).toMatchObject({ run: 2, inFlight: 2, cursor: 3 });
  });
});
