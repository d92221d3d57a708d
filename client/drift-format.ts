import { withoutControlCharacters } from '../common/text';
import { textTable } from './text-table';
import type { DriftReport } from '../model/drift';
import { sameShifts, type Shift } from '../model/shift';

/** Drifted agents shown in the table; `--json` lists as many as the report names (DRIFTED_LISTED). */
const ROWS_SHOWN = 100;

/** The planned shifts of a drifted agent, by schedule and agent (the push's plan), for the "vs plan" column. */
export type PlannedShifts = (scheduleId: string, agentId: string) => readonly Shift[] | undefined;

/**
 * The drift report a person reads: a summary line, a table of drifted agents (with `planned`, how each differs from
 * the plan), unreadable schedules, the repair.
 */
export function formatDriftReport(report: DriftReport, planned?: PlannedShifts): string {
  const drifted = agentsDrifted(report);
  const verdict =
    drifted === 0
      ? 'every checked agent still holds the plan'
      : `${drifted} agent(s) in ${schedulesDrifted(report)} schedule(s) no longer match the plan`;
  const lines = [
    `Plan ${report.planId}: ${verdict}`,
    `  checked:    ${report.schedulesChecked} landed schedule(s), ${report.agentsChecked} planned agent(s), ${report.requests} request(s) to the WFM, at ${report.checkedAt}`,
  ];
  if (report.schedulesNotLanded > 0)
    lines.push(
      `  not landed: ${report.schedulesNotLanded} schedule(s) the push did not land were not checked (wfm-push retry ${report.planId})`,
    );
  if (report.drifted.length > 0) {
    const rows = report.drifted.slice(0, ROWS_SHOWN).map((d) => {
      const plan = planned?.(d.scheduleId, d.agentId);
      const live = d.liveShifts ? shiftsText(d.liveShifts) : '(not listed)';
      return planned
        ? [d.scheduleId, d.agentId, plan && d.liveShifts ? vsPlan(plan, d.liveShifts) : '?', live]
        : [d.scheduleId, d.agentId, live];
    });
    const header = planned
      ? ['schedule', 'agent', 'vs plan', 'live shifts now']
      : ['schedule', 'agent', 'live shifts now'];
    lines.push('', textTable(header, rows, { indent: '  ' }));
    if (drifted > ROWS_SHOWN) {
      const more = drifted - ROWS_SHOWN;
      const where =
        drifted > report.drifted.length
          ? `--json names ${report.drifted.length}; a repair's report names every one`
          : '--json lists them all';
      lines.push(`  ... and ${more} more (${where})`);
    }
  }
  if (report.unreadable.length > 0) {
    lines.push('', `Schedules the WFM would not let us read (${report.unreadable.length}):`);
    for (const u of report.unreadable.slice(0, ROWS_SHOWN))
      lines.push(`  ${u.scheduleId}: ${u.failure.type}: ${withoutControlCharacters(u.failure.message)}`);
  }
  const repair = report.repair;
  if (repair) {
    const t = repair.summary?.totals;
    const outcome = t
      ? `${t.agentsChanged} agent(s) written, ${t.agentsAlreadyInPlace} already in place, ${t.agentsFailed} failed`
      : `did not complete: ${withoutControlCharacters(repair.failure ?? 'unknown')}`;
    lines.push(
      '',
      `Repair: push ${repair.planId} (${repair.agents} agent(s) in ${repair.schedules} schedule(s)): ${outcome}. Its report: wfm-push report ${repair.planId}`,
    );
  } else if (drifted > 0) {
    lines.push('', `Push them back to the plan with: wfm-push verify ${report.planId} --repair`);
  }
  return lines.join('\n');
}

/** True when nothing is left to do: no drift (or a repair that put every drifted agent back), nothing unreadable. */
export function driftSettled(report: DriftReport): boolean {
  if (report.unreadable.length > 0) return false;
  if (agentsDrifted(report) === 0) return true;
  const t = report.repair?.summary?.totals;
  return t !== undefined && t.agentsFailed === 0 && t.schedulesFailed === 0;
}

/** Reports from before the counts existed named every drifted agent. */
function agentsDrifted(report: DriftReport): number {
  return report.agentsDrifted ?? report.drifted.length;
}

function schedulesDrifted(report: DriftReport): number {
  return report.schedulesDrifted ?? new Set(report.drifted.map((d) => d.scheduleId)).size;
}

/** The first two shifts, instants to the minute (a week of shifts would not fit a terminal line). */
function shiftsText(shifts: readonly Shift[]): string {
  if (shifts.length === 0) return '(none)';
  const shown = shifts
    .slice(0, 2)
    .map((s) => `${s.start.replace(/:00(\.0+)?Z$/, 'Z')} ${s.lengthMinutes}m ${s.activityCode}`);
  return withoutControlCharacters(
    `${shown.join('; ')}${shifts.length > 2 ? `; +${shifts.length - 2} more` : ''}`,
  );
}

/**
 * How the live shifts differ from the planned ones, matched by start instant as `diff` matches them: a planned shift
 * missing, one changed (same start, other length or activity), one extra; then the first difference, spelled out.
 */
export function vsPlan(planned: readonly Shift[], live: readonly Shift[]): string {
  const at = (shifts: readonly Shift[]) => new Map(shifts.map((s) => [Date.parse(s.start), s]));
  const plan = at(planned);
  const now = at(live);
  const missing = [...plan.keys()].filter((t) => !now.has(t));
  const extra = [...now.keys()].filter((t) => !plan.has(t));
  const changed = [...plan.keys()].filter((t) => {
    const [p, l] = [plan.get(t), now.get(t)];
    return p && l && !sameShifts([p], [l]);
  });
  const counts = [
    changed.length ? `${changed.length} changed` : '',
    missing.length ? `${missing.length} missing` : '',
    extra.length ? `${extra.length} extra` : '',
  ].filter(Boolean);
  if (counts.length === 0) return 'same shifts (activities differ)';
  const first =
    changed[0] !== undefined
      ? `${shiftText(plan.get(changed[0]))} now ${shiftText(now.get(changed[0]))}`
      : missing[0] !== undefined
        ? `planned ${shiftText(plan.get(missing[0]))} gone`
        : `extra ${shiftText(now.get(extra[0] ?? NaN))}`;
  return withoutControlCharacters(`${counts.join(', ')}: ${first}`);
}

function shiftText(s: Shift | undefined): string {
  return s
    ? `${s.start.replace(/:00(\.0+)?(Z|[+-]\d\d:\d\d)$/, '$2')} ${s.lengthMinutes}m ${s.activityCode}`
    : '?';
}
