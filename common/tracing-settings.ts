import { z } from 'zod';

/**
 * The standard OpenTelemetry variables that turn tracing on. Only these decide on or off; the OTLP exporter reads the
 * rest of the standard set itself (`OTEL_EXPORTER_OTLP_HEADERS`, `…_TIMEOUT`, `OTEL_RESOURCE_ATTRIBUTES`).
 */
export const tracingEnvShape = {
  OTEL_EXPORTER_OTLP_ENDPOINT: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe(
      'OpenTelemetry: send traces by OTLP/HTTP (JSON) to <endpoint>/v1/traces; the other standard OTEL_ variables (headers, timeout, resource attributes) apply (default: no tracing, no interceptors)',
    ),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe('OpenTelemetry: the full URL for traces, instead of <OTEL_EXPORTER_OTLP_ENDPOINT>/v1/traces'),
  OTEL_SERVICE_NAME: z
    .string()
    .min(1)
    .optional()
    .describe('OpenTelemetry: service.name of the spans (default wfm-push-worker or wfm-push-client)'),
  OTEL_SDK_DISABLED: z
    .enum(['true', 'false'])
    .default('false')
    .describe('OpenTelemetry: true turns tracing off even with an endpoint set'),
};

/** Where spans go, when tracing is on. */
export interface TracingSettings {
  /** The OTLP/HTTP URL spans are posted to (`…/v1/traces`). */
  tracesUrl: string;
  /** `service.name` unless the process names its own role (OTEL_SERVICE_NAME wins). */
  serviceName: string | undefined;
}

type TracingEnv = z.infer<z.ZodObject<typeof tracingEnvShape>>;

/** Tracing's settings: undefined (off) unless an OTLP endpoint is set and the SDK is not disabled. */
export function tracingSettingsFrom(parsed: TracingEnv): TracingSettings | undefined {
  if (parsed.OTEL_SDK_DISABLED === 'true') return undefined;
  const base = parsed.OTEL_EXPORTER_OTLP_ENDPOINT;
  const tracesUrl =
    parsed.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
    (base === undefined ? undefined : `${base.replace(/\/$/, '')}/v1/traces`);
  return tracesUrl === undefined ? undefined : { tracesUrl, serviceName: parsed.OTEL_SERVICE_NAME };
}
