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

/** `wfm-push genesys check`: what a push needs of a real Genesys Cloud organisation, with the worker's settings. */
export function genesysCommand(): Command {
  const check = commandWithOptions('check', checkOptions)
    .description(
      "Check a Genesys Cloud organisation with the worker's settings (WFM_API_STYLE=genesys, GENESYS_REGION, GENESYS_CLIENT_ID, GENESYS_CLIENT_SECRET): OAuth client and region, business unit and schedule, notification channel and subscriptions, asynchronous and download agent queries. Read-only unless --write-test-agent. Prints lines to paste into an issue; exit 1 if a check failed.",
    )
    .action(async (raw: Record<string, unknown>) => {
      const options = parseOptions(checkOptions, raw);
      const { loadWfmSettings } = await import('../../wfm/settings');
      const { GenesysOAuthTokens } = await import('../../wfm/genesys/oauth');
      const { checkGenesysOrg, formatCheck } = await import('../../wfm/genesys/org-check');
      const { genesysOutboundPolicy } = await import('../../wfm/create-wfm');
      let settings;
      try {
        settings = loadWfmSettings(process.env, 'genesys');
      } catch (err) {
        throw new CliExit(ExitCode.invalidInput, (err as Error).message);
      }
      if (settings.apiStyle !== 'genesys')
        throw new CliExit(ExitCode.invalidInput, 'WFM_API_STYLE must be genesys');
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
  return new Command('genesys').description('Genesys Cloud tools (check).').addCommand(check);
}
