import { withoutControlCharacters } from '../common/text';
import { buildAgentReport, type AgentReport, type AgentRow } from '../model/agent-report';
import type { Shift } from '../model/shift';
import type { PushContext } from './context';
import { loadPushRecord } from './push-report';
import { textTable } from './text-table';

/** Every planned agent's outcome of a push (undefined when there is no such push in this data folder). */
export async function pushAgentReport(
  ctx: Omit<PushContext, 'taskQueue'>,
  planId: string,
  /** The plan's tenant, when it names one: a plan ID is unique per tenant. */
  tenant?: string,
): Promise<AgentReport | undefined> {
  const record = await loadPushRecord(ctx, planId, tenant);
  if (!record) return undefined;
  const { state, plan, results, inFlight } = record;
  const planned = plan.schedules.map((s) => ({
    scheduleId: s.scheduleId,
    agentIds: s.agents.map((a) => a.agentId),
  }));
  return buildAgentReport(planId, state, planned, results, inFlight);
}

/** Rows a person reads at most; `--json` and `--csv` list every agent. */
const MAX_HUMAN_ROWS = 200;

/**
 * The per-agent report for a person: the counts, then the agents that need a look (kept-theirs, protected, failed) with the
 * reason and their live shifts, then, when few enough, every other agent.
 */
export function formatAgentReport(report: AgentReport): string {
  const c = report.counts;
  const lines = [
    `Push ${report.planId} (${report.state}): ${report.agents.length} agents: ${c.applied} applied, ${c['already-in-place']} already in place, ${c['kept-theirs']} kept theirs, ${c.protected ? `${c.protected} protected (plan overlaps approved time off), ` : ''}${c.failed} failed${c['not-started'] ? `, ${c['not-started']} not started` : ''}${c['in-flight'] ? `, ${c['in-flight']} in schedules still finishing (report again for their outcome)` : ''}${c.superseded ? `, ${c.superseded} superseded (left to the newer plan that took their schedule over)` : ''}`,
  ];
  if (report.schedulesWithoutAgentOutcomes.length > 0)
    lines.push(
      `  ${report.schedulesWithoutAgentOutcomes.length} schedule(s) were recorded without per-agent outcomes: ${report.schedulesWithoutAgentOutcomes.slice(0, 10).join(', ')}`,
    );
  const notable = report.agents.filter(
    (a) => a.outcome === 'kept-theirs' || a.outcome === 'protected' || a.outcome === 'failed',
  );
  const rows = report.agents.length <= MAX_HUMAN_ROWS ? report.agents : notable.slice(0, MAX_HUMAN_ROWS);
  if (rows.length > 0) lines.push('', table(rows));
  if (rows.length < report.agents.length)
    lines.push(
      `(${report.agents.length - rows.length} more agents not shown: --json or --csv lists every agent)`,
    );
  return lines.join('\n');
}

function table(rows: AgentRow[]): string {
  const header = ['schedule', 'agent', 'outcome', 'detail'];
  const body = rows.map((r) => [r.scheduleId, r.agentId, r.outcome, detail(r)]);
  // The last column (the detail) is as long as it needs; its rule is as wide as its header.
  return textTable(header, body, { lastColumnFree: true });
}

function detail(row: AgentRow): string {
  const parts: string[] = [];
  if (row.protectedTime) parts.push(withoutControlCharacters(row.protectedTime.reason));
  if (row.failure) parts.push(`${row.failure.type}: ${withoutControlCharacters(row.failure.message)}`);
  if (row.supersededBy) parts.push(`superseded by plan ${row.supersededBy} before this push wrote it`);
  if (row.newerEdit) {
    const version = row.newerEdit.liveVersion === undefined ? '' : ` v${row.newerEdit.liveVersion}`;
    // A refused agent's failure already says it was edited since the plan.
    const what = row.failure ? '' : `edited since plan (${row.newerEdit.action}); `;
    parts.push(`${what}live${version}: ${shiftsText(row.newerEdit.liveShifts)}`);
  }
  return parts.join('; ');
}

/**
 * Shifts as a spreadsheet cell: `2026-12-07T01:00:00.000Z 480m WORK [2026-12-07T05:00:00.000Z 30m BREAK] | ...`
 * (activities laid over a shift in brackets), or `(none)`.
 */
export function shiftsText(shifts: readonly Shift[]): string {
  if (shifts.length === 0) return '(none)';
  return shifts
    .map((s) => {
      const over = (s.activities ?? [])
        .map((a) => ` [${a.start} ${a.lengthMinutes}m ${a.activityCode}]`)
        .join('');
      return `${s.start} ${s.lengthMinutes}m ${s.activityCode}${over}`;
    })
    .join(' | ');
}

export const AGENT_CSV_COLUMNS = [
  'scheduleId',
  'agentId',
  'outcome',
  'failureType',
  'failureMessage',
  'newerEdit',
  'liveVersion',
  'liveShifts',
  'protectedTime',
] as const;

/** RFC 4180 CSV, one row per planned agent, with a header row. */
export function agentReportCsv(report: AgentReport): string {
  const rows = report.agents.map((r) => [
    r.scheduleId,
    r.agentId,
    r.outcome,
    r.failure?.type ?? '',
    r.failure?.message ?? '',
    r.newerEdit?.action ?? '',
    r.newerEdit?.liveVersion ?? '',
    r.newerEdit ? shiftsText(r.newerEdit.liveShifts) : '',
    r.protectedTime?.reason ?? '',
  ]);
  return [[...AGENT_CSV_COLUMNS], ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

function csvCell(value: string): string {
  // A cell a spreadsheet would run as a formula (=, +, -, @) is quoted with a leading apostrophe: server messages
  // come from outside.
  const safe = /^[=+\-@]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
