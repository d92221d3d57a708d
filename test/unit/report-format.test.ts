import { formatReport, progressLine, RequestWindow } from '../../client/report-format';
import { buildReport, emptyScheduleResult, emptyTotals } from '../../model/report';

describe('the report a person reads', () => {
  const landed = {
    ...emptyScheduleResult('s-1', 50),
    outcome: 'landed' as const,
    versionBefore: '3',
    versionAfter: '5',
    agentsChanged: 50,
    conflicts: 1,
    rateLimitWaits: 2,
    transientRetries: 3,
    attempts: 4,
    writes: 1,
  };
  const failed = {
    ...emptyScheduleResult('s-2', 10),
    failure: { type: 'Rejected', message: 'GET schedule s-2: 404 schedule.not_found: gone' },
  };

  it('labels every column of the schedule table with the number below it', () => {
    const report = buildReport(
      'p-1',
      'completed',
      [
        { scheduleId: 's-1', agents: 50 },
        { scheduleId: 's-2', agents: 10 },
      ],
      [landed, failed],
    );
    const lines = formatReport(report).split('\n');
    const header = lines.find((l) => l.startsWith('schedule '))?.split(/\s{2,}/);
    const row = lines.find((l) => l.startsWith('s-1 '))?.split(/\s{2,}/);
    expect(Object.fromEntries(header?.map((h, i) => [h, row?.[i]]) ?? [])).toEqual({
      schedule: 's-1',
      outcome: 'landed',
      version: '3 → 5',
      changed: '50',
      'in place': '0',
      conflicts: '1',
      '429 waits': '2',
      transient: '3',
      attempts: '4',
    });
  });

  it('names every schedule not done with its reason, and marks schedules a cancelled push never started', () => {
    const report = buildReport(
      'p-1',
      'cancelled',
      [
        { scheduleId: 's-1', agents: 50 },
        { scheduleId: 's-2', agents: 10 },
        { scheduleId: 's-3', agents: 5 },
      ],
      [landed, failed],
    );
    const text = formatReport(report);
    expect(text).toContain('Push p-1: 2 schedule(s) NOT done (push CANCELLED)');
    expect(text).toContain('s-2: Rejected: GET schedule s-2: 404 schedule.not_found: gone');
    expect(text).toContain('s-3: NotStarted: the push was cancelled before this schedule was started');
    // A schedule never started is neither done nor failed: counted apart, its agents too.
    expect(report.totals).toMatchObject({
      schedules: 3,
      schedulesDone: 2,
      schedulesFailed: 1,
      schedulesNotStarted: 1,
      agentsChanged: 50,
      agentsFailed: 10,
      agentsNotStarted: 5,
    });
    expect(text).toContain(
      'agents:    50 of 65 in the planned state (50 changed, 0 already in place), 10 failed, 5 not started',
    );
    expect(text).toContain('schedules: 1 of 3 done, 1 failed, 1 not started');
  });

  it('reports a schedule still running after a cancel as in flight, not as never started', () => {
    const report = buildReport(
      'p-1',
      'cancelled',
      [
        { scheduleId: 's-1', agents: 50 },
        { scheduleId: 's-2', agents: 10 },
        { scheduleId: 's-3', agents: 5 },
      ],
      [landed],
      new Set(['s-2']),
    );
    expect(report.schedules.map((s) => s.outcome)).toEqual(['landed', 'in-flight', 'not-started']);
    expect(report.schedules[1]?.failure).toBeUndefined();
    expect(report.totals).toMatchObject({
      schedulesDone: 1,
      schedulesFailed: 0,
      schedulesInFlight: 1,
      schedulesNotStarted: 1,
      agentsFailed: 0,
      agentsInFlight: 10,
      agentsNotStarted: 5,
    });
    const text = formatReport(report);
    expect(text).toContain('Push p-1: 2 schedule(s) NOT done (push CANCELLED; 1 still finishing)');
    expect(text).toContain('Still finishing (1): in flight when the push ended');
    expect(text).not.toContain('s-2: NotStarted');
  });

  it('shows rate, ETA and pause in the progress line', () => {
    const totals = { ...emptyTotals(100, 1000), schedulesDone: 25, conflicts: 7 };
    const line = progressLine(
      {
        planId: 'p',
        totals,
        inFlight: 5,
        waitingForOtherPush: 0,
        paused: true,
        cursor: 30,
        run: 1,
        startedAtMs: 0,
      },
      10_000,
    );
    expect(line).toContain('25% PAUSED');
    expect(line).toContain('25/100 schedules (5 in flight)');
    expect(line).toContain('2.5/s');
    expect(line).toContain('ETA 30s');
    expect(line).toContain('conflicts 7');
  });
});

describe('the request rate a watcher sees', () => {
  const progress = (requests: number, rateLimitWaits: number) => ({
    planId: 'p',
    totals: { ...emptyTotals(10, 100), requests, rateLimitWaits },
    inFlight: 0,
    waitingForOtherPush: 0,
    paused: false,
    cursor: 0,
    run: 1,
    startedAtMs: 0,
  });

  it('is the rate and 429 share of the last window, not of the whole push', () => {
    const window = new RequestWindow(10_000);
    window.add(progress(0, 0), 1_000);
    window.add(progress(100, 50), 11_000); // a bad start: half refused
    const now = window.add(progress(200, 51), 21_000); // the last ten seconds: 100 requests, one refused
    expect(now.perSecond).toBeCloseTo(10);
    expect(now.rateLimitedShare).toBeCloseTo(0.01);
    expect(progressLine(progress(200, 51), 21_000, now)).toContain('WFM 10.0 req/s, 1.0 % 429');
  });
});
