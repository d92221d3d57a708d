import { Command } from 'commander';
import { describeEnv } from '../../common/env';
import { describeStore } from '../../common/store-settings';
import { wfmLocation } from '../../wfm/settings';
import { workerEnvSchema } from '../../worker/settings';
import { onShutdownSignal, say } from '../output';

/** `wfm-push worker`: runs until SIGINT/SIGTERM, then lets in-flight tasks finish. */
export function workerCommand(): Command {
  return new Command('worker')
    .description('Run a worker: the workflows, and the WFM calls on their own rate-limited task queue.')
    .addHelpText('after', () => `\nSettings (environment variables):\n${describeEnv(workerEnvSchema)}`)
    .action(async () => {
      const { loadWorkerSettings } = await import('../../worker/settings');
      const settings = loadWorkerSettings(process.env);
      const { createLogger } = await import('../../common/logger');
      const logger = createLogger(settings.logLevel, { role: 'worker', taskQueue: settings.taskQueue });
      if (settings.leanHeapAboveMiB !== undefined) {
        // This process is ours, unlike a library host's: its V8 flags are ours to set (worker/lean-heap.ts says why).
        const { leanHeapAbove } = await import('../../worker/lean-heap');
        leanHeapAbove({
          aboveBytes: settings.leanHeapAboveMiB * 2 ** 20,
          onChange: (lean, rss) =>
            logger.info(lean ? 'collecting garbage for a small heap' : "collecting garbage by V8's default", {
              rssMiB: Math.round(rss / 2 ** 20),
              leanHeapAboveMiB: settings.leanHeapAboveMiB,
            }),
        });
      }
      const { Runtime } = await import('@temporalio/worker');
      // With metrics on, the SDK runtime serves its own on a loopback port, merged into the worker's /metrics.
      const { freeLoopbackPort } = await import('../../worker/metrics-server');
      const sdkMetrics =
        settings.metricsAddress === undefined ? undefined : `127.0.0.1:${await freeLoopbackPort()}`;
      Runtime.install({
        logger,
        ...(sdkMetrics && {
          telemetryOptions: {
            metrics: {
              prometheus: {
                bindAddress: sdkMetrics,
                countersTotalSuffix: true,
                useSecondsForDurations: true,
              },
            },
          },
        }),
      });
      // With an OTLP endpoint set (OTEL_EXPORTER_OTLP_ENDPOINT), spans of the workflows, activities and WFM requests.
      const tracing =
        settings.tracing &&
        (await import('../../common/tracing')).startTracing(settings.tracing, {
          serviceName: 'wfm-push-worker',
          onExportError: (err) =>
            logger.warn('the last spans were not exported', {
              tracesUrl: settings.tracing?.tracesUrl,
              err: err instanceof Error ? err.message : String(err),
            }),
        });
      const { startWorkers } = await import('../../worker/run-worker');
      const workers = await startWorkers({
        settings,
        logger,
        sdkMetricsUrl: sdkMetrics && `http://${sdkMetrics}/metrics`,
        checkWfm: true,
        tracing,
      });
      // The last spans (of the workflows and activities that ended in the shutdown) are sent before the process exits.
      let flushing: Promise<void> | undefined;
      const flushSpans = () => (flushing ??= tracing?.shutdown() ?? Promise.resolve());
      onShutdownSignal(async () => {
        await workers.shutdown();
        await flushSpans();
      });
      if (settings.tenantsFile !== undefined) {
        const file = settings.tenantsFile;
        const { loadTenantSettings } = await import('../../wfm/tenants');
        // Read again on SIGHUP and when the file changes, the same way: a bad file changes nothing (the workers keep
        // the tenants they have) and the reason is logged (never a secret: the file holds none, problems name paths).
        const reload = (trigger: 'SIGHUP' | 'file changed') => {
          try {
            workers.reloadTenants(loadTenantSettings(file, process.env), trigger);
          } catch (err) {
            logger.error('the tenants file was NOT reloaded; the worker keeps the tenants it had', {
              trigger,
              err: err instanceof Error ? err.message : String(err),
            });
          }
        };
        process.on('SIGHUP', () => reload('SIGHUP'));
        if (settings.tenantsFilePollMs > 0) {
          const { watchTenantsFile } = await import('../../worker/watch-tenants');
          const unwatch = watchTenantsFile({
            file,
            intervalMs: settings.tenantsFilePollMs,
            debounceMs: Math.min(settings.tenantsFilePollMs, 500),
            onChange: () => reload('file changed'),
          });
          void workers.done.finally(unwatch).catch(() => undefined);
        }
      }
      logger.info('worker running', {
        temporal: settings.temporal.address,
        namespace: settings.temporal.namespace,
        wfm: wfmLocation(settings.wfm),
        store: describeStore(settings.store),
        rateLimitPerSecond: settings.wfm.rateLimitPerSecond ?? null,
        maxConcurrentRequests: settings.maxConcurrentRequests,
        ...(settings.tenantsFile === undefined
          ? {}
          : { tenantMaxSyncs: settings.tenantMaxSyncs, tenantsFilePollMs: settings.tenantsFilePollMs }),
        tracesUrl: settings.tracing?.tracesUrl ?? null,
        deployment: settings.deployment ?? null,
      });
      const version = settings.deployment
        ? `, deployment ${settings.deployment.deploymentName} build ${settings.deployment.buildId}`
        : '';
      say(
        `Worker running: task queue ${settings.taskQueue}, WFM ${wfmLocation(settings.wfm)}, store ${describeStore(settings.store)}${version}`,
      );
      // What the one request at start found; a WFM that is down only delays the pushes, so the worker runs on.
      void workers.wfmCheck?.then(({ line }) => say(line));
      try {
        await workers.done;
      } finally {
        await flushSpans();
      }
    });
}
