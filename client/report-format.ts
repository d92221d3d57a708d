import { textTable } from './text-table';
import { withoutControlCharacters } from '../common/text';
import type { PushReport, PushTotals, ScheduleResult } from '../model/report';
import type { PushProgress } from '../workflows/messages';
import type { SyncsInFlight } from './sync-trouble';

/** The WFM's recent traffic as a watcher sees it: requests per second and the share answered 429. */
export interface RecentRequests {
  perSecond: number;
  rateLimitedShare: number;
}

/**
 * Turns the push's running totals into the request rate and 429 share of the last `windowMs` (totals grow as
 * schedules finish, so a window of several seconds reads steadily).
 */
export class RequestWindow {
  private samples: Array<{ atMs: number; requests: number; rateLimited: number }> = [];

  constructor(private readonly windowMs = 15_000) {}

  add(p: PushProgress, nowMs = Date.now(), inFlight?: SyncsInFlight): RecentRequests {
    // The requests of schedules still syncing count only where every schedule can be looked at (a few), so the sum
    // never drops when the look covers fewer: a push of one big schedule shows its rate while it runs.
    const syncing = p.totals.schedules <= IN_FLIGHT_SAMPLE ? (inFlight?.requests ?? 0) : 0;
    const sample = {
      atMs: nowMs,
      requests: (p.totals.requests ?? 0) + syncing,
      rateLimited: p.totals.rateLimitWaits,
    };
    this.samples.push(sample);
    while (this.samples.length > 2 && nowMs - (this.samples[1]?.atMs ?? nowMs) >= this.windowMs)
      this.samples.shift();
    const first = this.samples[0] ?? sample;
    const seconds = (nowMs - first.atMs) / 1000;
    const requests = sample.requests - first.requests;
    // Until a window has passed, the best estimate is the push's average so far.
    if (seconds < 1 || requests === 0) {
      const elapsed = Math.max(0.001, (nowMs - p.startedAtMs) / 1000);
      return {
        perSecond: sample.requests / elapsed,
        rateLimitedShare: sample.requests === 0 ? 0 : sample.rateLimited / sample.requests,
      };
    }
    return {
      perSecond: requests / seconds,
      rateLimitedShare: (sample.rateLimited - first.rateLimited) / requests,
    };
  }
}

/** How many schedules in flight a look covers (the progress query's sample). */
const IN_FLIGHT_SAMPLE = 5;

/**
 * One line of progress: what a person watching a push wants to see (done/total, rate, ETA, conflicts, failures); with
 * `inFlight` (what the schedules still syncing have written), the agents in place so far.
 */
export function progressLine(
  p: PushProgress,
  nowMs = Date.now(),
  recent?: RecentRequests,
  inFlight?: SyncsInFlight,
): string {
  const t = p.totals;
  const pct = t.schedules === 0 ? 100 : Math.floor((t.schedulesDone / t.schedules) * 100);
  const elapsedS = Math.max(0.001, (nowMs - p.startedAtMs) / 1000);
  const rate = t.schedulesDone / elapsedS;
  // Paused, nothing new starts: an ETA from the rate so far would be a promise the push is not keeping.
  const eta = p.paused ? '(paused)' : rate > 0 ? duration((t.schedules - t.schedulesDone) / rate) : '?';
  const state = p.paused ? ' PAUSED' : '';
  const waiting = p.waitingForOtherPush > 0 ? `, ${p.waitingForOtherPush} waiting for another push` : '';
  const wfm = recent
    ? `  WFM ${recent.perSecond.toFixed(1)} req/s, ${(recent.rateLimitedShare * 100).toFixed(1)} % 429`
    : '';
  const agents = inFlight
    ? `  agents ${t.agentsChanged + t.agentsAlreadyInPlace + inFlight.agentsChanged}/${t.agentsPlanned} (${inFlight.agentsChanged} written by the ${p.inFlight} in flight)`
    : '';
  const superseded = t.schedulesSuperseded
    ? `  SUPERSEDED by plan ${(p.supersededBy ?? ['?']).join(', ')}: ${t.schedulesSuperseded} schedules taken over`
    : p.supersededBy?.length
      ? `  SUPERSEDED by plan ${p.supersededBy.join(', ')}`
      : '';
  return `${bar(pct)} ${pct}%${state}${superseded}  ${t.schedulesDone}/${t.schedules} schedules (${p.inFlight} in flight${waiting})  ${rate.toFixed(1)}/s  ETA ${eta}  conflicts ${t.conflicts}  failed ${t.schedulesFailed}${agents}${wfm}`;
}

function duration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  if (seconds < 3600)
    return `${Math.floor(seconds / 60)}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

function bar(pct: number, width = 24): string {
  const filled = Math.round((pct / 100) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/** The report a person reads: totals, every failed schedule with the server's reason, then one line per schedule. */
export function formatReport(report: PushReport, options: { allSchedules?: boolean } = {}): string {
  const t = report.totals;
  const lines = [
    `Push ${report.planId}: ${verdict(report)}`,
    `  agents:    ${t.agentsChanged + t.agentsAlreadyInPlace} of ${t.agentsPlanned} in the planned state (${t.agentsChanged} changed, ${t.agentsAlreadyInPlace} already in place), ${keptTheirs(t.agentsKeptTheirs)}${protectedLine(t.agentsProtected)}${t.agentsFailed} failed${unfinished(t.agentsNotStarted, t.agentsInFlight)}${superseded(t.agentsSuperseded, 'left to the newer plan')}`,
    `  schedules: ${t.schedulesDone - t.schedulesFailed} of ${t.schedules} done, ${t.schedulesFailed} failed${unfinished(t.schedulesNotStarted, t.schedulesInFlight)}${superseded(t.schedulesSuperseded, 'taken over by a newer plan')}`,
    `  writes:    ${t.writes}; version conflicts met and resolved: ${t.conflicts}; transient retries: ${t.transientRetries}`,
    `  requests:  ${t.requests ?? 0} sent to the WFM, ${t.rateLimitWaits} answered 429 (rate limited)`,
  ];
  const published = report.schedules.filter((s) => s.published && s.agentsChanged > 0);
  if (published.length > 0)
    lines.push(
      `  notified:  the ${published.reduce((n, s) => n + s.agentsChanged, 0)} agents changed in ${published.length} published schedule(s), by Genesys (updates of at most 1,000 agents, so none is left out)`,
    );
  const finishing = report.schedules.filter((s) => s.outcome === 'in-flight');
  if (finishing.length > 0) {
    lines.push(
      '',
      `Still finishing (${finishing.length}): in flight when the push ended; each records what it became (run \`wfm-push report ${report.planId}\` again):`,
      `  ${finishing
        .slice(0, 20)
        .map((s) => s.scheduleId)
        .join(', ')}${finishing.length > 20 ? `, ... and ${finishing.length - 20} more` : ''}`,
    );
  }
  const taken = report.schedules.filter((s) => s.outcome === 'superseded');
  if (taken.length > 0) {
    const by = [...new Set(taken.map((s) => s.supersededBy ?? '?'))].join(', ');
    const written = taken.reduce((n, s) => n + s.agentsChanged, 0);
    lines.push(
      '',
      `Superseded (${taken.length}): taken over by plan ${by}; this push stopped there after its write in flight, if any, was confirmed.`,
      `  It had written ${written} agent(s) of them; those the newer plan does not name stay as this push wrote them.`,
      `  ${taken
        .slice(0, 20)
        .map((s) => s.scheduleId)
        .join(', ')}${taken.length > 20 ? `, ... and ${taken.length - 20} more` : ''}`,
    );
  }
  const failed = report.schedules.filter((s) => s.failure);
  if (failed.length > 0) {
    lines.push('', `Schedules not done (${failed.length}):`);
    for (const s of failed.slice(0, 200))
      lines.push(
        `  ${s.scheduleId}: ${s.failure?.type}: ${withoutControlCharacters(s.failure?.message ?? '')}`,
      );
    if (failed.length > 200) lines.push(`  ... and ${failed.length - 200} more (--json lists them all)`);
  }
  if (options.allSchedules ?? report.schedules.length <= 60) {
    lines.push('', scheduleTable(report.schedules));
  }
  return lines.join('\n');
}

/** Schedules or agents a push that ended never started, or whose schedules are still finishing: only when some. */
function unfinished(notStarted: number | undefined, inFlight: number | undefined): string {
  return `${notStarted ? `, ${notStarted} not started` : ''}${inFlight ? `, ${inFlight} still in flight` : ''}`;
}

/** Schedules or agents a newer plan took over: only when some. */
function superseded(n: number | undefined, what: string): string {
  return n ? `, ${n} superseded (${what})` : '';
}

/** Agents left to an edit made after planning: shown only when there are some (see `report --agents`). */
function keptTheirs(n: number | undefined): string {
  return n ? `${n} kept theirs (edited since the plan; report --agents lists them), ` : '';
}

/** Agents whose plan overlaps approved time off: shown only when there are some. */
function protectedLine(n: number | undefined): string {
  return n
    ? `${n} left alone (their plan overlaps approved time off; report --agents names the request and day), `
    : '';
}

function verdict(report: PushReport): string {
  const t = report.totals;
  if (report.state === 'running')
    return `running, ${t.schedulesDone} of ${t.schedules} schedules done so far`;
  const finishing = t.schedulesInFlight ? `; ${t.schedulesInFlight} still finishing` : '';
  const ended = report.state === 'completed' ? '' : ` (push ${report.state.toUpperCase()}${finishing})`;
  const protectedAgents = t.agentsProtected ?? 0;
  const superseded = t.schedulesSuperseded ?? 0;
  const notDone = schedulesNotDone(t) - superseded;
  if (superseded > 0)
    return notDone === 0
      ? `SUPERSEDED: ${superseded} schedule(s) taken over by a newer plan, the others in place${ended}`
      : `SUPERSEDED: ${superseded} schedule(s) taken over by a newer plan; ${notDone} schedule(s) NOT done${ended}`;
  return notDone === 0
    ? protectedAgents > 0
      ? `every planned change is in place but ${protectedAgents} agent(s) on approved time off${ended}`
      : `every planned change is in place${ended}`
    : `${notDone} schedule(s) NOT done${ended}`;
}

/** Schedules not in the planned state: failed, not started, or still in flight when the push ended. */
export function schedulesNotDone(t: PushTotals): number {
  return t.schedules - (t.schedulesDone - t.schedulesFailed);
}

function scheduleTable(rows: ScheduleResult[]): string {
  const header = [
    'schedule',
    'outcome',
    'version',
    'changed',
    'in place',
    'conflicts',
    '429 waits',
    'transient',
    'attempts',
  ];
  const body = [...rows]
    .sort((a, b) => a.scheduleId.localeCompare(b.scheduleId))
    .map((r) => [
      r.scheduleId,
      r.outcome,
      `${r.versionBefore ?? '-'} → ${r.versionAfter ?? '-'}`,
      String(r.agentsChanged),
      String(r.agentsAlreadyInPlace),
      String(r.conflicts),
      String(r.rateLimitWaits),
      String(r.transientRetries),
      String(r.attempts),
    ]);
  return textTable(header, body);
}
