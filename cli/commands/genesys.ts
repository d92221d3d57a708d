import { Command } from 'commander';
import { z } from 'zod';
import { commandWithOptions, parseOptions } from '../options';
import { CliExit, ExitCode, print, printJson, say } from '../output';

const checkOptions = z.object({
  businessUnit: z.string().min(1).meta({ arg: 'id' }).describe('the business unit to check (required)'),
  week: z.iso
    .date({ message: 'must be a date, YYYY-MM-DD (the first day of the schedule week)' })
    .meta({ arg: 'yyyy-mm-dd' })
    .describe('the schedule week to check (required)'),
  schedule: z
    .string()
    .min(1)
    .optional()
    .meta({ arg: 'id' })
    .describe("the schedule (default: the week's first)"),
  writeTestAgent: z
    .string()
    .min(1)
    .optional()
    .meta({ arg: 'userId' })
    .describe(
      'also run no-op updates of this agent (unpublished schedules only): upload URL headers, stale-version answers, whether the schedule version moves',
    ),
  json: z.boolean().optional().describe('machine-readable output'),
});

const listOptions = z.object({
  businessUnit: z
    .string()
    .min(1)
    .optional()
    .meta({ arg: 'id' })
    .describe('the business unit (default: the only one, when the organisation has one)'),
  week: z.iso
    .date({ message: 'must be a date, YYYY-MM-DD (the first day of the schedule week)' })
    .optional()
    .meta({ arg: 'yyyy-mm-dd' })
    .describe('the schedule week (schedules, agents)'),
  schedule: z
    .string()
    .min(1)
    .optional()
    .meta({ arg: 'id' })
    .describe("the schedule (agents; default: the week's first)"),
  json: z.boolean().optional().describe('machine-readable output'),
});

const exportOptions = listOptions.omit({ json: true }).extend({
  out: z.string().min(1).meta({ arg: 'file' }).describe('where to write the plan (required)'),
  planId: z
    .string()
    .min(1)
    .optional()
    .meta({ arg: 'id' })
    .describe('the plan ID (default: genesys-<week>-<time>)'),
});

/** The worker's Genesys settings from the environment; settings problems exit 2. */
async function genesysSettings() {
  const { loadWfmSettings } = await import('../../wfm/settings');
  let settings;
  try {
    settings = loadWfmSettings(process.env, 'genesys');
  } catch (err) {
    throw new CliExit(ExitCode.invalidInput, (err as Error).message);
  }
  if (settings.apiStyle !== 'genesys')
    throw new CliExit(ExitCode.invalidInput, 'WFM_API_STYLE must be genesys');
  return settings;
}

/** A discovery client on the worker's Genesys settings. */
async function discovery() {
  const { GenesysOAuthTokens } = await import('../../wfm/genesys/oauth');
  const { GenesysDiscovery } = await import('../../wfm/genesys/discovery');
  const settings = await genesysSettings();
  const tokens = new GenesysOAuthTokens({
    loginBaseUrl: settings.loginBaseUrl,
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    requestTimeoutMs: settings.requestTimeoutMs,
  });
  return new GenesysDiscovery({
    apiBaseUrl: settings.apiBaseUrl,
    tokens,
    requestTimeoutMs: settings.requestTimeoutMs,
  });
}

type Discovery = Awaited<ReturnType<typeof discovery>>;

/** The business unit named, or the organisation's only one. */
async function businessUnitOf(d: Discovery, named: string | undefined): Promise<string> {
  if (named) return named;
  const units = (await d.businessUnits()).rows;
  const [only] = units;
  if (units.length === 1 && only) return String(only.businessUnitId);
  throw new CliExit(
    ExitCode.invalidInput,
    `Name the business unit with --business-unit (the organisation has ${units.length}: wfm-push genesys list business-units)`,
  );
}

function weekOf(week: string | undefined, businessUnitId: string): string {
  if (week) return week;
  throw new CliExit(
    ExitCode.invalidInput,
    `Name the week with --week (its first day; wfm-push genesys list weeks --business-unit ${businessUnitId})`,
  );
}

/** `wfm-push genesys list <what>`: the organisation's business units, weeks, schedules, units, agents, codes. */
function listCommand(): Command {
  return commandWithOptions('list', listOptions)
    .description(
      "List what a Genesys plan names, with the worker's settings (WFM_API_STYLE=genesys, GENESYS_REGION, GENESYS_CLIENT_ID, GENESYS_CLIENT_SECRET): business-units, weeks, schedules, management-units, agents (of a schedule) or activity-codes. A table, or --json.",
    )
    .argument('<what>', 'business-units | weeks | schedules | management-units | agents | activity-codes')
    .action(async (what: string, raw: Record<string, unknown>) => {
      const options = parseOptions(listOptions, raw);
      const { GENESYS_LIST_KINDS } = await import('../../wfm/genesys/discovery');
      if (!(GENESYS_LIST_KINDS as readonly string[]).includes(what))
        throw new CliExit(
          ExitCode.invalidInput,
          `List one of: ${GENESYS_LIST_KINDS.join(', ')} (not "${what}")`,
        );
      const d = await discovery();
      const listing = await (async () => {
        if (what === 'business-units') return d.businessUnits();
        const bu = await businessUnitOf(d, options.businessUnit);
        if (what === 'weeks') return d.weeks(bu);
        if (what === 'management-units') return d.managementUnits(bu);
        if (what === 'activity-codes') return d.activityCodes(bu);
        if (what === 'schedules') return d.schedules(bu, weekOf(options.week, bu));
        return d.agents(bu, weekOf(options.week, bu), options.schedule);
      })();
      if (options.json) return printJson(listing.rows);
      const { textTable } = await import('../../client/text-table');
      const { withoutControlCharacters } = await import('../../common/text');
      print(
        textTable(
          listing.columns,
          // Names come from the organisation: shown without control characters.
          listing.rows.map((row) =>
            listing.columns.map((c) => (row[c] === null ? '' : withoutControlCharacters(String(row[c])))),
          ),
        ),
      );
      say(`${listing.rows.length} ${what}`);
    });
}

/** `wfm-push genesys export`: a schedule week as a plan file to edit, `basedOn` what it holds now. */
function exportCommand(): Command {
  return commandWithOptions('export', exportOptions)
    .description(
      'Write a schedule week as a plan: every agent of the schedule with the shifts it holds now (and basedOn them, so a push of the edited file changes what you edited and keeps what others change meanwhile). Edit it, diff it, push it.',
    )
    .action(async (raw: Record<string, unknown>) => {
      const options = parseOptions(exportOptions, raw);
      const d = await discovery();
      const businessUnitId = await businessUnitOf(d, options.businessUnit);
      const weekId = weekOf(options.week, businessUnitId);
      const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 13);
      const plan = await d.weekAsPlan({
        businessUnitId,
        weekId,
        scheduleId: options.schedule,
        planId: options.planId ?? `genesys-${weekId}-${stamp}`,
      });
      const { writeFile } = await import('node:fs/promises');
      await writeFile(options.out, `${JSON.stringify(plan, null, 2)}\n`);
      const schedule = plan.schedules[0];
      say(
        `Wrote ${options.out}: plan ${plan.planId}, schedule ${schedule?.scheduleId} of week ${weekId}, ${schedule?.agents.length ?? 0} agents with the shifts they hold now. Edit the shifts of the agents to change (remove the others), then: wfm-push diff ${options.out}`,
      );
    });
}

/** `wfm-push genesys check`: what a push needs of a real Genesys Cloud organisation, with the worker's settings. */
export function genesysCommand(): Command {
  const check = commandWithOptions('check', checkOptions)
    .description(
      "Check a Genesys Cloud organisation with the worker's settings (WFM_API_STYLE=genesys, GENESYS_REGION, GENESYS_CLIENT_ID, GENESYS_CLIENT_SECRET): OAuth client and region, business unit and schedule, notification channel and subscriptions, asynchronous and download agent queries. Read-only unless --write-test-agent. Prints lines to paste into an issue; exit 1 if a check failed.",
    )
    .action(async (raw: Record<string, unknown>) => {
      const options = parseOptions(checkOptions, raw);
      const { GenesysOAuthTokens } = await import('../../wfm/genesys/oauth');
      const { checkGenesysOrg, formatCheck } = await import('../../wfm/genesys/org-check');
      const { genesysOutboundPolicy } = await import('../../wfm/create-wfm');
      const settings = await genesysSettings();
      say(
        `Checking business unit ${options.businessUnit}, week ${options.week} at ${settings.apiBaseUrl} ...`,
      );
      const lines = await checkGenesysOrg({
        apiBaseUrl: settings.apiBaseUrl,
        loginBaseUrl: settings.loginBaseUrl,
        clientId: settings.clientId,
        tokens: new GenesysOAuthTokens({
          loginBaseUrl: settings.loginBaseUrl,
          clientId: settings.clientId,
          clientSecret: settings.clientSecret,
          requestTimeoutMs: settings.requestTimeoutMs,
        }),
        queryNotifyId: settings.queryNotifyId,
        businessUnitId: options.businessUnit,
        weekId: options.week,
        scheduleId: options.schedule,
        writeTestAgent: options.writeTestAgent,
        outbound: genesysOutboundPolicy(settings),
      });
      if (options.json) printJson({ checks: lines });
      else print(formatCheck(lines));
      if (lines.some((l) => l.result === 'failed'))
        throw new CliExit(ExitCode.failed, 'a check failed (see above)');
    });
  return new Command('genesys')
    .description(
      'Genesys Cloud tools: list what a plan names, export a week as a plan, check an organisation.',
    )
    .addCommand(listCommand())
    .addCommand(exportCommand())
    .addCommand(check);
}
