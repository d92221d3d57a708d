import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One span as an OTLP/HTTP JSON export carries it, with its resource's service name. */
export interface CollectedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  service: string;
  attributes: Record<string, string | number | boolean | string[]>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
  kvlistValue?: { values?: OtlpAttribute[] };
  bytesValue?: string;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpExport {
  resourceSpans?: Array<{
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: Array<{
      spans?: Array<{
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        attributes?: OtlpAttribute[];
      }>;
    }>;
  }>;
}

function valueOf(v: OtlpValue): string | number | boolean | string[] {
  if (v.arrayValue) return (v.arrayValue.values ?? []).map((x) => String(valueOf(x)));
  // A map (the workflow spans carry the workflow's info, objects included), kept whole so a test can search it.
  if (v.kvlistValue) return JSON.stringify(attributesOf(v.kvlistValue.values));
  if (v.bytesValue !== undefined) return v.bytesValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  return v.stringValue ?? v.doubleValue ?? v.boolValue ?? '';
}

function attributesOf(list: OtlpAttribute[] = []): CollectedSpan['attributes'] {
  return Object.fromEntries(list.map((a) => [a.key, valueOf(a.value)]));
}

/**
 * An OTLP/HTTP receiver in the test process (JSON, `POST /v1/traces`), written from the OTLP specification: what
 * the exporters of other processes send, as spans. It answers 415 to protobuf, so a change of encoding fails loudly.
 */
export class OtlpCollector {
  readonly spans: CollectedSpan[] = [];
  /** Requests it could not read (a test expects none). */
  readonly refused: string[] = [];

  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
  ) {}

  static async start(): Promise<OtlpCollector> {
    const received: { collector?: OtlpCollector } = {};
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const type = req.headers['content-type'] ?? '';
        if (req.method !== 'POST' || req.url !== '/v1/traces' || !type.startsWith('application/json')) {
          received.collector?.refused.push(`${req.method} ${req.url} ${type}`);
          res.writeHead(req.url === '/v1/traces' ? 415 : 404).end();
          return;
        }
        received.collector?.receive(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    // Longer than an exporter keeps an idle connection for reuse: Node's 5 s default races it ("socket hang up").
    server.keepAliveTimeout = 120_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    received.collector = new OtlpCollector(server, `http://127.0.0.1:${port}`);
    return received.collector;
  }

  private receive(body: OtlpExport): void {
    for (const rs of body.resourceSpans ?? []) {
      const service = String(attributesOf(rs.resource?.attributes)['service.name'] ?? '');
      for (const ss of rs.scopeSpans ?? [])
        for (const s of ss.spans ?? [])
          this.spans.push({
            traceId: s.traceId,
            spanId: s.spanId,
            parentSpanId: s.parentSpanId === '' ? undefined : s.parentSpanId,
            name: s.name,
            service,
            attributes: attributesOf(s.attributes),
          });
    }
  }

  /** `span`'s ancestors, nearest first, as far as the collected spans reach. */
  ancestors(span: CollectedSpan): CollectedSpan[] {
    const byId = new Map(this.spans.map((s) => [`${s.traceId}/${s.spanId}`, s]));
    const chain: CollectedSpan[] = [];
    let parent = span.parentSpanId && byId.get(`${span.traceId}/${span.parentSpanId}`);
    while (parent && chain.length < 100) {
      chain.push(parent);
      parent = parent.parentSpanId ? byId.get(`${parent.traceId}/${parent.parentSpanId}`) : undefined;
    }
    return chain;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
