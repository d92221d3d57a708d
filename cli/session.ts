import { withPushContext } from '../client/context';
import type { PushContext } from '../client/push-client';
import { createLogger } from '../common/logger';
import { loadSharedSettings, type SharedSettings } from '../common/settings';
import { describeStore } from '../common/store-settings';
import { planTenant, PushRefused } from '../client/push-client';
import { CliExit, ExitCode, say } from './output';

/**
 * What the client commands use once they run. Commands load this module on demand (`await import('../session')`), so
 * `--help` and bad options answer without loading the Temporal client.
 */
export * from '../client/push-client';
export { agentReportCsv, formatAgentReport, pushAgentReport } from '../client/agent-report';
export * from '../client/verify-client';
export { driftSettled, formatDriftReport } from '../client/drift-format';
export { formatReport, progressLine, schedulesNotDone } from '../client/report-format';
export { followToReport, printReport } from './follow';
export { loadPlanFile, planApiStyle } from './plan-input';
export { bulkPushWorkflowId } from '../model/names';

/** The settings of this process, read from the environment once. */
export function loadSettings(): SharedSettings {
  return loadSharedSettings(process.env);
}

/** Runs `fn` against the Temporal service and stores the settings name (by default, the environment's). */
export function withSession<T>(
  fn: (ctx: PushContext) => Promise<T>,
  settings: SharedSettings = loadSettings(),
): Promise<T> {
  // Diagnostics for whoever debugs a deployment (WFM_PUSH_LOG_LEVEL=debug); what a person reads goes through `say`.
  const log = createLogger(settings.logLevel, { role: 'client' });
  log.debug('connecting to Temporal', {
    temporal: settings.temporal.address,
    namespace: settings.temporal.namespace,
    taskQueue: settings.taskQueue,
    dataDir: settings.dataDir,
    store: describeStore(settings.store),
    encryption: settings.encryption,
  });
  if (!settings.tracing) return withPushContext(settings, fn, keyGenerated);
  return withTracing(settings, () => withPushContext(settings, fn, keyGenerated));
}

/** With an OTLP endpoint set, the command's spans (the push's start) are sent before it returns. */
async function withTracing<T>(settings: SharedSettings, fn: () => Promise<T>): Promise<T> {
  const { startTracing } = await import('../common/tracing');
  const tracing = startTracing(settings.tracing, {
    serviceName: 'wfm-push-client',
    onExportError: (err) =>
      say(
        `Traces: the last spans were not sent to ${settings.tracing?.tracesUrl ?? '?'}: ${err instanceof Error ? err.message : String(err)}`,
      ),
  });
  try {
    return await fn();
  } finally {
    await tracing.shutdown();
  }
}

/** Says, once, that a payload key was generated: other hosts need it to read this push's payloads. */
export function keyGenerated(file: string): void {
  say(
    `Generated a payload encryption key in ${file} (owner-only). Workers and clients on other hosts need it: WFM_PUSH_CODEC_KEYS or WFM_PUSH_CODEC_KEY_FILE.`,
  );
}

/**
 * The tenant whose plan `planId` names, from `--tenant` (`-`: none) or, without it, the store: a plan ID several
 * tenants use is refused with exit 2 and the tenants to choose from.
 */
export function tenantFor(
  ctx: Pick<PushContext, 'results'>,
  planId: string,
  option: string | undefined,
): Promise<string | undefined> {
  return planTenant(ctx, planId, option === '-' ? null : option).catch(refusedAsInput);
}

/** A push the client refuses (same planId with other content, a retry of a running push) is bad input: exit 2. */
export function refusedAsInput(err: unknown): never {
  throw err instanceof PushRefused ? new CliExit(ExitCode.invalidInput, err.message) : err;
}
