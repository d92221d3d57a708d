import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PROMETHEUS_TEXT_TYPE, type MetricsRegistry } from '../common/metrics-registry';

export interface MetricsServerOptions {
  /** `host:port` to listen on (`WFM_PUSH_METRICS_ADDRESS`); port 0 picks a free one. */
  address: string;
  /** The worker's own metrics. */
  registry: MetricsRegistry;
  /**
   * The Temporal SDK runtime's Prometheus endpoint (`Runtime.install` telemetry, on loopback): every scrape fetches it
   * and serves its metrics after the worker's, so that Prometheus scrapes one target per worker. Default none.
   */
  sdkMetricsUrl?: string;
  /** How long a scrape waits for the SDK's endpoint, in ms. Default 2,000. */
  sdkTimeoutMs?: number;
}

export interface MetricsServer {
  /** `http://host:port/metrics`, with the port really bound. */
  url: string;
  close(): Promise<void>;
}

/** Serves `GET /metrics` in the Prometheus text format 0.0.4; anything else is 404 (405 for another method). */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const { host, port } = splitAddress(options.address);
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') return void res.writeHead(404).end('only /metrics is served here\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405).end();
    void scrape(options).then((text) => {
      res.writeHead(200, { 'content-type': PROMETHEUS_TEXT_TYPE }).end(req.method === 'HEAD' ? '' : text);
    });
  });
  await listen(server, host, port);
  const bound = server.address() as AddressInfo;
  const shownHost = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return {
    url: `http://${shownHost}:${bound.port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * The worker's metrics, then the SDK's. Their names never collide (`wfm_push_` and `temporal_`); an SDK endpoint that
 * does not answer costs the scrape its SDK metrics only, and `wfm_push_sdk_metrics_up` says so.
 */
async function scrape({
  registry,
  sdkMetricsUrl,
  sdkTimeoutMs = 2_000,
}: MetricsServerOptions): Promise<string> {
  const own = registry.render();
  if (sdkMetricsUrl === undefined) return own;
  let sdk = '';
  try {
    const res = await fetch(sdkMetricsUrl, { signal: AbortSignal.timeout(sdkTimeoutMs) });
    if (res.ok) sdk = await res.text();
  } catch {
    // Reported by the gauge below; the worker's own metrics are still served.
  }
  const up = [
    '# HELP wfm_push_sdk_metrics_up 1 when this scrape carries the Temporal SDK runtime metrics (temporal_*), else 0.',
    '# TYPE wfm_push_sdk_metrics_up gauge',
    `wfm_push_sdk_metrics_up ${sdk === '' ? 0 : 1}`,
  ].join('\n');
  return `${own}${up}\n${sdk === '' || sdk.endsWith('\n') ? sdk : `${sdk}\n`}`;
}

/** A free TCP port on loopback, for the SDK's own endpoint (it cannot report a port it picked itself). */
export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await listen(server, '127.0.0.1', 0);
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function splitAddress(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i).replace(/^\[(.*)\]$/, '$1'), port: Number(address.slice(i + 1)) };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
