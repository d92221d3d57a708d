import type { PushReport, PushTotals, ScheduleResult } from '../model/report';
import type { PushProgress } from '../workflows/messages';

/** One line of progress: what a person watching a push wants to see. */
export function progressLine(p: PushProgress): string {
  const t = p.totals;
  const agentsDone = t.agentsChanged + t.agentsAlreadyInPlace + t.agentsFailed;
  const pct = t.agentsPlanned === 0 ? 100 : Math.floor((agentsDone / t.agentsPlanned) * 100);
  const waiting = p.waitingForOtherPush > 0 ? `, ${p.waitingForOtherPush} waiting for another push` : '';
  return `${bar(pct)} ${pct}%  schedules ${t.schedulesDone}/${t.schedules} (${p.inFlight} in flight${waiting})  agents ${agentsDone}/${t.agentsPlanned}  conflicts ${t.conflicts}  failed ${t.schedulesFailed}`;
}

function bar(pct: number, width = 24): string {
  const filled = Math.round((pct / 100) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/** The report a person reads: totals, every failed schedule with the server's reason, then one line per schedule. */
export function formatReport(report: PushReport, options: { allSchedules?: boolean } = {}): string {
  const t = report.totals;
  const lines = [
    `Push ${report.planId}: ${verdict(t)}`,
    `  agents:    ${t.agentsChanged + t.agentsAlreadyInPlace} of ${t.agentsPlanned} in the planned state (${t.agentsChanged} changed, ${t.agentsAlreadyInPlace} already in place), ${t.agentsFailed} failed`,
    `  schedules: ${t.schedulesDone - t.schedulesFailed} of ${t.schedules} done, ${t.schedulesFailed} failed`,
    `  writes:    ${t.writes}; version conflicts met and resolved: ${t.conflicts}; rate-limit waits: ${t.rateLimitWaits}; transient retries: ${t.transientRetries}`,
  ];
  const failed = report.schedules.filter((s) => s.failure);
  if (failed.length > 0) {
    lines.push('', 'Failed schedules:');
    for (const s of failed) lines.push(`  ${s.scheduleId}: ${s.failure?.type}: ${s.failure?.message}`);
  }
  if (options.allSchedules ?? report.schedules.length <= 60) {
    lines.push('', scheduleTable(report.schedules));
  }
  return lines.join('\n');
}

function verdict(t: PushTotals): string {
  if (t.schedulesDone < t.schedules) return 'running';
  return t.schedulesFailed === 0
    ? 'every planned change is in place'
    : `${t.schedulesFailed} schedule(s) FAILED`;
}

function scheduleTable(rows: ScheduleResult[]): string {
  const header = [
    'schedule',
    'outcome',
    'version',
    'changed',
    'in place',
    'conflicts',
    'attempts',
    'retries',
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
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]?.length ?? 0)));
  const fmt = (row: string[]) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...body.map(fmt)].join('\n');
}
