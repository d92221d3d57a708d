import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Default 8888. 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1: the browser that shows the UI reaches it on the operator's machine. */
  host?: string;
  /** Browser origins allowed to call it (the Temporal UI's). Default `http://localhost:8233`. */
  origins?: string[];
  /**
   * When set, every call must carry `Authorization: Bearer <token>` (the UI's "pass access token"), compared in
   * constant time.
   */
  token?: string;
}

export interface RunningCodecServer {
  url: string;
  close(): Promise<void>;
}

/** The most a UI request may carry. */
const MAX_BODY_BYTES = 16 * 2 ** 20;

/**
 * The remote codec the Temporal UI calls (`POST /decode`, `POST /encode`, JSON `{ payloads: [...] }` with base64
 * fields), so operators read decoded payloads while Temporal stores only ciphertext. Only the listed origins may
 * call it from a browser; with a token, only callers that present it.
 */
export async function startCodecServer(options: CodecServerOptions): Promise<RunningCodecServer> {
  const origins = new Set(options.origins ?? ['http://localhost:8233']);
  const server = createServer((req, res) => {
    handle(req, res, options, origins).catch((err: unknown) => {
      if (res.headersSent) return;
      // No internal exception text in an answer (a parser's or the codec's message may quote what it was sent).
      if (err instanceof BodyTooLarge) reply(res, 413, { message: err.message });
      else
        reply(res, 400, {
          message: 'the request is not { payloads: [...] } with payloads this server can decode',
        });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8888, options.host ?? '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  options: CodecServerOptions,
  origins: Set<string>,
): Promise<void> {
  const origin = req.headers.origin;
  if (origin && origins.has(origin)) {
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('vary', 'origin');
    res.setHeader('access-control-allow-credentials', 'true');
    res.setHeader('access-control-allow-headers', 'content-type, x-namespace, authorization');
    res.setHeader('access-control-allow-methods', 'POST, OPTIONS');
  } else if (origin) {
    return reply(res, 403, { message: `origin ${origin} may not use this codec server` });
  }
  if (req.method === 'OPTIONS') return reply(res, 204);
  const route = req.method === 'POST' ? new URL(req.url ?? '/', 'http://codec').pathname : '';
  if (route !== '/decode' && route !== '/encode')
    return reply(res, 404, { message: 'POST /decode or /encode' });
  if (options.token && !sameSecret(req.headers.authorization ?? '', `Bearer ${options.token}`))
    return reply(res, 401, { message: 'a bearer token is required' });
  const body = JSON.parse(await readBody(req)) as { payloads?: JsonPayload[] };
  const payloads = (body.payloads ?? []).map(fromJson);
  const done =
    route === '/decode' ? await options.codec.decode(payloads) : await options.codec.encode(payloads);
  reply(res, 200, { payloads: done.map(toJson) });
}

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

function fromJson(p: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(
      Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
    ),
    data: Buffer.from(p.data ?? '', 'base64'),
  };
}

function toJson(p: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(
      Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')]),
    ),
    data: Buffer.from(p.data ?? []).toString('base64'),
  };
}

class BodyTooLarge extends Error {}

/** Compares in constant time (hashes of equal length), so the answer's timing says nothing of the token. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function readBody(req: IncomingMessage): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (declared > MAX_BODY_BYTES) {
    req.resume(); // dropped: the answer goes first
    return Promise.reject(new BodyTooLarge(`request larger than ${MAX_BODY_BYTES} bytes`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        // Answered at once; the rest is read and dropped (up to a bound), so the client gets the answer, not a reset.
        reject(new BodyTooLarge(`request larger than ${MAX_BODY_BYTES} bytes`));
        chunks.length = 0;
        if (size > 4 * MAX_BODY_BYTES) req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function reply(res: ServerResponse, status: number, body?: unknown): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
