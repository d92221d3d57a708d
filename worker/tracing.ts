import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { WorkerOptions } from '@temporalio/worker';
import type { Tracing } from '../common/tracing';

/** The module of the SDK's workflow interceptors; it must be in the workflow bundle, which the worker builds. */
export const WORKFLOW_TRACING_MODULE =
  require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

/** What a worker adds when tracing is on; with tracing off the worker gets none of it (no interceptor, no sink). */
export interface WorkerTracing {
  /** For `bundleWorkflowCode({ workflowInterceptorModules })`: workflow, child, activity and signal spans. */
  workflowInterceptorModules: string[];
  /** Activity spans (parented by the workflow's, through the headers) and trace IDs in activity logs. */
  interceptors: NonNullable<WorkerOptions['interceptors']>;
  /** The sink the workflow interceptors hand their finished spans to, outside the sandbox. */
  sinks: NonNullable<WorkerOptions['sinks']>;
  /** For the activities' own client (following other runs): its calls carry the trace too. */
  clientInterceptors: { workflow: OpenTelemetryWorkflowClientInterceptor[] };
}

export function workerTracing(tracing: Tracing): WorkerTracing {
  const options = { tracer: tracing.tracer };
  return {
    workflowInterceptorModules: [WORKFLOW_TRACING_MODULE],
    interceptors: {
      activity: [
        (ctx) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx, options),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
      workflowModules: [WORKFLOW_TRACING_MODULE],
    },
    sinks: { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) },
    clientInterceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor(options)] },
  };
}
