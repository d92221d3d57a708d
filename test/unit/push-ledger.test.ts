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

/** The bookkeeping behind a window that survives continue-as-new: what a run hands on, and what the next one does. */
describe('PushLedger', () => {
  it('counts each schedule once', () => {
    const push = ledger();
    push.childStarted('s1', 5);
    push.childStarting('s1');
    push.childRunning('s1', 'child-a');
    expect(push.childFinished('s1', landed('s1'))).toBe(true);
    expect(push.childFinished('s1', landed('s1'))).toBe(false);
    expect(push.awaits('s1')).toBe(false);
    expect(push.totals).toMatchObject({ schedulesDone: 1, agentsChanged: 5 });
    expect(push.inFlight).toBe(0);
  });

  it('a run hands nothing on while a start of its own is on its way', () => {
    const push = ledger();
    push.childStarted('s1', 5);
    push.childStarting('s1');
    expect(push.noStartPending()).toBe(false);
    push.childRunning('s1', 'child-a');
    expect(push.noStartPending()).toBe(true);
    push.childStarted('s2', 5);
    push.childStarting('s2');
    push.childWaiting('s2'); // refused: another push holds it; nothing is on its way
    expect(push.noStartPending()).toBe(true);
    expect(push.waitingForOtherPush).toBe(1);
  });

  it('hands its children in flight to the next run, which follows the running ones and starts the waiting ones', () => {
    const first = ledger();
    first.childStarted('s1', 5);
    first.childStarting('s1');
    first.childRunning('s1', 'child-a');
    first.childStarted('s2', 5);
    first.childStarting('s2');
    first.childWaiting('s2');
    expect(first.runIsFull(false)).toBe(true);
    const carried = first.carried();
    expect(carried.inFlight).toEqual([
      { scheduleId: 's1', agentsPlanned: 5, runId: 'child-a' },
      { scheduleId: 's2', agentsPlanned: 5 },
    ]);

    const next = ledger(carried);
    expect(next).toMatchObject({ cursor: 2, inFlight: 2 });
    expect(next.runIsFull(false)).toBe(false);
    expect(next.childrenOfEarlierRuns()).toEqual([{ scheduleId: 's1', agentsPlanned: 5, runId: 'child-a' }]);
    expect(next.carriedToStart()).toEqual([{ scheduleId: 's2', agentsPlanned: 5 }]);

    expect(next.childFinished('s1', landed('s1'))).toBe(true);
    expect(next.hasChildrenOfEarlierRuns()).toBe(false);
    // The waiting one is started by this run: its result reaches this run, nothing to follow.
    next.childStarting('s2');
    next.childRunning('s2', 'child-b');
    expect(next.hasChildrenOfEarlierRuns()).toBe(false);
    expect(next.carriedToStart()).toEqual([]);
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
      inFlight: ['s1', 's2', 's3'].map((id) => ({ scheduleId: id, agentsPlanned: 5, runId: `child-${id}` })),
    });
    expect(push.mayStartChild()).toBe(false);
    push.childFinished('s2', landed('s2'));
    expect(push.mayStartChild()).toBe(true);
    expect(push.progress()).toMatchObject({ run: 2, inFlight: 2, cursor: 3 });
  });
});
