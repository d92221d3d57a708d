import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '../dev/processes';

/**
 * Metrics and tracing for a benchmark's workers, as `--metrics` and `--tracing` ask: with `--metrics` each worker
 * serves /metrics on a port of its own and is scraped every 5 s, as a busy Prometheus would; with `--tracing` the
 * workers (and the CLI processes a bench starts) export spans by OTLP/HTTP to a receiver in the bench process that
 * reads and counts them, as a collector on the same host would. Neither flag: both off, the default.
 */
export interface Observe {
  readonly label: string;
  /** What one more worker process gets (a metrics port of its own, scraped from now on). */
  workerEnv(): Promise<Record<string, string>>;
  /** What a client process (`wfm-push push`) gets. */
  readonly clientEnv: Record<string, string>;
  /** Scrapes and spans so far, for the bench's output. */
  summary(): string;
  close(): Promise<void>;
}

export async function observeFrom(argv: readonly string[]): Promise<Observe> {
  const metrics = argv.includes('--metrics');
  const tracing = argv.includes('--tracing');
  const sink = tracing ? await startSpanSink() : undefined;
  const ports: number[] = [];
  let scrapes = 0;
  const scraper = setInterval(() => {
    for (const port of ports)
      void fetch(`http://127.0.0.1:${port}/metrics`)
        .then((r) => r.text())
        .then(
          () => void scrapes++,
          () => undefined,
        );
  }, 5_000);
  const otel: Record<string, string> = sink ? { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url } : {};
  return {
    label: `metrics ${metrics ? 'on' : 'off'}, tracing ${tracing ? 'on' : 'off'}`,
    clientEnv: otel,
    workerEnv: async () => {
      if (!metrics) return otel;
      const port = await freePort();
      ports.push(port);
      return { ...otel, WFM_PUSH_METRICS_ADDRESS: `127.0.0.1:${port}` };
    },
    summary: () =>
      [
        metrics ? `${scrapes} scrapes` : undefined,
        sink
          ? `${sink.spans} spans received so far, ${(sink.bytes / 2 ** 20).toFixed(1)} MiB of OTLP`
          : undefined,
      ]
        .filter(Boolean)
        .join(', ') || 'no metrics, no traces',
    close: async () => {
      clearInterval(scraper);
      await sink?.close();
    },
  };
}

/** An OTLP/HTTP JSON receiver that parses every export and counts its spans. */
async function startSpanSink() {
  const counts = { spans: 0, bytes: 0 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      counts.bytes += body.length;
      try {
        const parsed = JSON.parse(body.toString('utf8')) as {
          resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: unknown[] }> }>;
        };
        for (const rs of parsed.resourceSpans ?? [])
          for (const ss of rs.scopeSpans ?? []) counts.spans += ss.spans?.length ?? 0;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  // Longer than an exporter keeps an idle connection for reuse: Node's 5 s default races it ("socket hang up").
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get spans() {
      return counts.spans;
    },
    get bytes() {
      return counts.bytes;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
