import { withoutControlCharacters } from '../common/text';
import type { DiffReport, ScheduleDiff } from '../model/plan-diff';
import { shiftsText } from './agent-report';
import { textTable } from './text-table';

/** Schedules (and agent rows) a person reads at most; `--json` lists everything. */
const MAX_ROWS = 60;

/**
 * The dry run for a person: one row per schedule (what would be written, what is in place, what the schedule lacks,
 * who edited since the plan, shifts added / replaced / removed), the agents edited since the plan with their live
 * shifts, the unreadable schedules with the server's reason, and one summary line.
 */
export function formatDiff(report: DiffReport, options: { agents?: boolean; all?: boolean } = {}): string {
  const lines = [
    `Diff of plan ${report.planId} against the live schedules (${report.diffId}, --on-newer-edit ${report.onNewerEdit}${report.state === 'completed' ? '' : `, diff ${report.state}`}). Nothing was written.`,
    '',
  ];
  const rows = options.all ? report.schedules : report.schedules.slice(0, MAX_ROWS);
  lines.push(textTable(scheduleHeader, rows.map(scheduleRow)));
  if (rows.length < report.schedules.length)
    lines.push(
      `... ${report.schedules.length - rows.length} more schedules (--all shows them, --json lists them)`,
    );
  if (options.agents) {
    const agentRows = report.schedules.flatMap((s) =>
      s.agents
        .filter((a) => a.push !== 'none')
        .map((a) => [
          s.scheduleId,
          a.agentId,
          a.inSchedule ? a.status : `${a.status}, not in schedule`,
          a.push,
          `+${a.added.length} ~${a.replaced.length} -${a.removed.length}`,
        ]),
    );
    const shown = options.all ? agentRows : agentRows.slice(0, MAX_ROWS * 4);
    lines.push('', textTable(['schedule', 'agent', 'status', 'push', 'shifts'], shown));
    if (shown.length < agentRows.length)
      lines.push(`... ${agentRows.length - shown.length} more agents (--all, --json)`);
  }
  const edited = report.schedules.flatMap((s) =>
    s.agents.filter((a) => a.status === 'edited-since-plan').map((a) => ({ scheduleId: s.scheduleId, a })),
  );
  if (edited.length > 0) {
    lines.push('', `Edited since the plan was computed (${edited.length}):`);
    for (const { scheduleId, a } of edited.slice(0, 200)) {
      const version = a.liveVersion === undefined ? '' : ` v${a.liveVersion}`;
      lines.push(
        `  ${scheduleId} / ${a.agentId}: push would ${a.push}; live${version}: ${shiftsText(a.liveShifts ?? [])}`,
      );
    }
  }
  const unreadable = report.schedules.filter((s) => s.error);
  if (unreadable.length > 0) {
    lines.push('', `Schedules not read (${unreadable.length}):`);
    for (const s of unreadable.slice(0, 200))
      lines.push(`  ${s.scheduleId}: ${s.error?.type}: ${withoutControlCharacters(s.error?.message ?? '')}`);
  }
  lines.push('', summaryLine(report));
  return lines.join('\n');
}

/** `40 schedules read, 0 unreadable: 1950 of 2000 agents would be written ...` */
export function summaryLine(report: DiffReport): string {
  const s = report.summary;
  const kept =
    report.onNewerEdit === 'plan-wins' ? 'overwritten' : report.onNewerEdit === 'fail' ? 'failed' : 'kept';
  return (
    `Summary: ${s.schedulesRead} of ${s.schedules} schedules read, ${s.schedulesUnreadable} not read; ` +
    `${s.agentsToWrite} of ${s.agents} agents would be written (${s.agentsMissing} not in their schedule yet, ${s.agentsCleared} cleared), ` +
    `${s.agentsInPlace} already in place, ${s.agentsEditedSincePlan} edited since the plan (${kept} under --on-newer-edit ${report.onNewerEdit}), ` +
    `${s.agentsProtected ?? 0} left alone (their plan overlaps approved time off or another system's activity); ` +
    `shifts: ${s.shiftsAdded} added, ${s.shiftsReplaced} replaced, ${s.shiftsRemoved} removed.`
  );
}

const scheduleHeader = [
  'schedule',
  'version',
  'agents',
  'write',
  'in place',
  'missing',
  'edited',
  '+shifts',
  '~shifts',
  '-shifts',
];

function scheduleRow(d: ScheduleDiff): string[] {
  const c = d.counts;
  if (d.error) return [d.scheduleId, '-', String(c.agents), 'not read', '', '', '', '', '', ''];
  return [
    d.scheduleId,
    d.version ?? '-',
    String(c.agents),
    String(c.agentsToWrite),
    String(c.agentsInPlace),
    String(c.agentsMissing),
    String(c.agentsEditedSincePlan),
    String(c.shiftsAdded),
    String(c.shiftsReplaced),
    String(c.shiftsRemoved),
  ];
}
