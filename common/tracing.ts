import type { Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { envDetectorSync, Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace-node';
import type { TracingSettings } from './tracing-settings';

/** The name spans of wfm-push's own code carry as their instrumentation scope. */
export const TRACER_NAME = 'wfm-push';

/**
 * A process's tracing, once started: the tracer, and what the Temporal interceptors need to export workflow spans
 * (which are made inside the workflow sandbox and leave it through a sink). Loaded only when tracing is on, so a
 * process without an OTLP endpoint never imports the OpenTelemetry SDK.
 */
export interface Tracing {
  tracer: Tracer;
  resource: Resource;
  spanProcessor: SpanProcessor;
  /**
   * Exports what is buffered and stops; spans after it are dropped. Never rejects: a collector that does not take the
   * last spans is reported to `onExportError`, and the push or the worker's stop goes on.
   */
  shutdown(): Promise<void>;
}

export interface StartTracingOptions {
  /** `service.name` when OTEL_SERVICE_NAME does not set one. */
  serviceName: string;
  /** Instead of the OTLP exporter's batch processor (tests export to memory). */
  spanProcessor?: SpanProcessor;
  /** Hears of the last spans not taken at shutdown (the batches before are OpenTelemetry's to log). Default none. */
  onExportError?: (err: unknown) => void;
}

/**
 * Registers a tracer provider for the process (its context manager keeps the active span across `await`, so a WFM
 * request's span is the child of the activity's) that batches spans to the OTLP/HTTP endpoint of the settings.
 */
export function startTracing(settings: TracingSettings | undefined, options: StartTracingOptions): Tracing {
  const resource = Resource.default()
    .merge(new Resource({ 'service.name': settings?.serviceName ?? options.serviceName }))
    // OTEL_RESOURCE_ATTRIBUTES (deployment.environment, service.instance.id, …) as the standard says.
    .merge(envDetectorSync.detect());
  const spanProcessor =
    options.spanProcessor ??
    new BatchSpanProcessor(new OTLPTraceExporter(settings ? { url: settings.tracesUrl } : {}));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  return {
    tracer: provider.getTracer(TRACER_NAME),
    resource,
    spanProcessor,
    // Traces are diagnostics: losing the last batch must not turn a landed push into a failed command.
    shutdown: () => provider.shutdown().catch((err: unknown) => options.onExportError?.(err)),
  };
}
