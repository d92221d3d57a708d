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
  it('counts a child’s report once, whether its result or a duplicate signal comes too', () => {
    const push = ledger();
    push.childStarted('s1', 5);
    push.childStarting('s1', 'run-1');

    // The signal may come before the run has seen the child start.
    expect(push.childReported('s1', 'run-1', landed('s1'))).toBe(true);
    expect(push.childReported('s1', 'run-1', landed('s1'))).toBe(false);
    expect(push.awaits('s1')).toBe(false); // the result that follows is not counted again
    expect(push.totals).toMatchObject({ schedulesDone: 1, agentsChanged: 5 });
    expect(push.inFlight).toBe(0);
  });

  it('drops reports of children it did not start: another push’s child of the same schedule, or another schedule', () => {
    const push = ledger();
    push.childStarted('s1', 5);
    push.childStarting('s1', 'run-1');
    push.childRunning('s1', 'child-a');
    expect(push.childReported('s1', 'other-push-run', landed('s1'))).toBe(false);
    expect(push.childReported('s9', 'run-1', landed('s9'))).toBe(false);
    expect(push.totals.schedulesDone).toBe(0);
    expect(push.awaits('s1')).toBe(true);
  });

  it('hands its children in flight to the next run, which counts their signals', () => {
    const first = ledger();
    for (const [id, child] of [
      ['s1', 'child-a'],
      ['s2', 'child-b'],
    ] as const) {
      first.childStarted(id, 5);
      first.childStarting(id, 'run-1');
      first.childRunning(id, child);
    }
    expect(first.runIsFull(false)).toBe(true);
    const carried = first.carried();
    expect(carried.inFlight).toEqual([
      { scheduleId: 's1', agentsPlanned: 5, startedBy: ['run-1'], runId: 'child-a' },
      { scheduleId: 's2', agentsPlanned: 5, startedBy: ['run-1'], runId: 'child-b' },
    ]);

    const next = ledger(carried);
    expect(next).toMatchObject({ cursor: 2, inFlight: 2 });
    expect(next.runIsFull(false)).toBe(false);
    expect(next.carriedToStart()).toEqual([]);
    expect(next.childrenOfEarlierRuns()).toEqual([
      { scheduleId: 's1', agentsPlanned: 5, runId: 'child-a' },
      { scheduleId: 's2', agentsPlanned: 5, runId: 'child-b' },
    ]);
    expect(next.childReported('s2', 'run-1', landed('s2'))).toBe(true);
    expect(next.childReported('s1', 'run-1', landed('s1'))).toBe(true);
    expect(next.hasChildrenOfEarlierRuns()).toBe(false);
    expect(next.totals).toMatchObject({ schedulesDone: 2, agentsChanged: 10 });
    expect(next.carried().inFlight).toBeUndefined();
  });

  it('a schedule that waits for another push is handed on to be started, and keeps the runs that asked', () => {
    const first = ledger();
    first.childStarted('s1', 5);
    first.childStarting('s1', 'run-1');
    first.childWaiting('s1'); // refused: another push holds the schedule
    expect(first.waitingForOtherPush).toBe(1);

    const next = ledger(first.carried());
    expect(next.carriedToStart()).toEqual([
      expect.objectContaining({ scheduleId: 's1', agentsPlanned: 5, startedBy: ['run-1'] }),
    ]);
    expect(next.hasChildrenOfEarlierRuns()).toBe(false); // nothing of it runs: nothing to look at
    next.childStarting('s1', 'run-2');
    next.childRunning('s1', 'child-b');
    expect(next.hasChildrenOfEarlierRuns()).toBe(false); // started by this run: its result reaches this run
    expect(next.childReported('s1', 'run-2', landed('s1'))).toBe(true);
  });

  it('a run hands nothing on while a start of its own is on its way', () => {
    const push = ledger();
    push.childStarted('s1', 5);
    push.childStarting('s1', 'run-1');
    expect(push.noStartPending()).toBe(false);
    push.childRunning('s1', 'child-a');
    expect(push.noStartPending()).toBe(true);
    push.childStarted('s2', 5);
    push.childStarting('s2', 'run-1');
    push.childWaiting('s2'); // refused: another push holds it; nothing is on its way
    expect(push.noStartPending()).toBe(true);
  });

  it('the window counts children carried from the previous run', () => {
    const push = ledger({
      cursor: 3,
      totals: ledger().totals,
      paused: false,
      run: 1,
      startedAtMs: 0,
      inFlight: ['s1', 's2', 's3'].map((id) => ({
        scheduleId: id,
        agentsPlanned: 5,
        startedBy: ['run-1'],
        runId: `child-${id}`,
      })),
    });
    expect(push.mayStartChild()).toBe(false);
    push.childReported('s2', 'run-1', landed('s2'));
    expect(push.mayStartChild()).toBe(true);
    expect(push.progress()).toMatchObject({ run: 2, inFlight: 2, cursor: 3 });
  });
});
