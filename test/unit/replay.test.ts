import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Resource } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import {
  bundleWorkflowCode,
  DefaultLogger,
  Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { workerTracing, WORKFLOW_TRACING_MODULE } from '../../worker/tracing';

const HISTORIES = path.resolve(__dirname, '../histories');

/**
 * Replays recorded histories (test/histories, made by record.ts) against today's workflow code: a change that would
 * break pushes already running (a non-determinism error) fails here, before it is deployed. No server needed.
 */
describe('workflow code replays recorded histories', () => {
  let bundle: WorkflowBundleWithSourceMap;
  beforeAll(async () => {
    bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../workflows'),
      logger: new DefaultLogger('WARN'),
    });
  });

  const files = readdirSync(HISTORIES).filter((f) => f.endsWith('.json'));

  it('has histories of every path worth guarding', () => {
    for (const kind of [
      'bulk-push-1',
      'bulk-push-cancelled',
      'schedule-push-conflicts',
      'schedule-push-failed',
      'plan-diff',
      'bulk-push-superseded',
      'bulk-push-supersede',
      'schedule-push-taken-over',
      'tenant-sync-queue-bulk-push',
      'tenant-sync-queue-schedule-push',
      'tenant-plan-ids-bulk-push',
      'tenant-plan-ids-schedule-push',
      'first-page-bulk-push',
    ]) {
      expect(files.some((f) => f.includes(kind))).toBe(true);
    }
  });

  it.each(files)('%s', async (file) => {
    const history = historyFromJSON(JSON.parse(readFileSync(path.join(HISTORIES, file), 'utf8')));
    await Worker.runReplayHistory({ workflowBundle: bundle }, history, file);
  });
});

/**
 * The same histories, replayed by a worker with tracing on: the OpenTelemetry workflow interceptors in the bundle and
 * their span sink. Turning tracing on in a deploy must not break a push that started without it (nor the reverse: the
 * histories above were recorded without the interceptors, the SDK's flags keep their extra yields out of new ones).
 */
describe('workflow code with the tracing interceptors replays recorded histories', () => {
  let bundle: WorkflowBundleWithSourceMap;
  const exporter = new InMemorySpanExporter();
  const spanProcessor = new SimpleSpanProcessor(exporter);
  const provider = new BasicTracerProvider({ spanProcessors: [spanProcessor] });
  const tracing = workerTracing({
    tracer: provider.getTracer('replay-test'),
    resource: Resource.default(),
    spanProcessor,
    shutdown: () => provider.shutdown(),
  });
  beforeAll(async () => {
    bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../workflows'),
      workflowInterceptorModules: [WORKFLOW_TRACING_MODULE],
      logger: new DefaultLogger('WARN'),
    });
  });
  afterAll(() => provider.shutdown());

  const files = readdirSync(HISTORIES).filter((f) => f.endsWith('.json'));

  it.each(files)('%s', async (file) => {
    const history = historyFromJSON(JSON.parse(readFileSync(path.join(HISTORIES, file), 'utf8')));
    await Worker.runReplayHistory({ workflowBundle: bundle, sinks: tracing.sinks }, history, file);
  });
});
