/**
 * What one WFM request's span costs the worker: `npx tsx bench/span-cost.ts [CALLS]` (default 200,000) makes the span
 * `wfm/http-client.ts` makes per request (route template, attributes, status, end) in a tracer provider with the
 * worker's batch processor and an exporter that serializes each batch to OTLP JSON as the real one does and drops it,
 * and prints the time per span. Without tracing the worker makes no span at all.
 */
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { routeTemplate } from '../wfm/http-route';

const CALLS = Number(process.argv[2] ?? 200_000);

let bytes = 0;
const serializing: SpanExporter = {
  export(spans: ReadableSpan[], done: (result: ExportResult) => void) {
    bytes += JsonTraceSerializer.serializeRequest(spans)?.length ?? 0;
    done({ code: ExportResultCode.SUCCESS });
  },
  shutdown: () => Promise.resolve(),
};

async function main(): Promise<void> {
  const processor = new BatchSpanProcessor(serializing, { maxQueueSize: 2048, maxExportBatchSize: 512 });
  const provider = new BasicTracerProvider({ spanProcessors: [processor] });
  const tracer = provider.getTracer('wfm-push');
  const url = 'http://127.0.0.1:4010/api/v2/wfm/schedules/bench-0001-s-0042';
  const run = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const route = routeTemplate(url);
      const span = tracer.startSpan(`PUT ${route}`, {
        kind: SpanKind.CLIENT,
        attributes: {
          'http.request.method': 'PUT',
          'http.route': route,
          'url.template': route,
          'server.address': '127.0.0.1',
          'server.port': 4010,
        },
      });
      span.setAttribute('http.response.status_code', i % 10 === 0 ? 412 : 200);
      if (i % 10 === 0) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      // The batch processor exports from a timer: yield now and then, as a worker between requests does.
      if (i % 500 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  };
  await run(10_000); // warm-up
  bytes = 0;
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  await run(CALLS);
  await processor.forceFlush();
  const ns = Number(process.hrtime.bigint() - started) / CALLS;
  const used = process.cpuUsage(cpu);
  // CPU time is what a busy machine does not inflate (the wall time includes waiting for a core).
  const cpuNs = ((used.user + used.system) * 1000) / CALLS;
  console.log(
    `${CALLS} spans: ${cpuNs.toFixed(0)} ns of CPU (${ns.toFixed(0)} ns of wall time) per WFM request span, made, batched and serialized to OTLP JSON (${(bytes / CALLS).toFixed(0)} bytes each)`,
  );
  await provider.shutdown();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
