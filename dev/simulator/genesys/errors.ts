import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, send } from '../http';

/** One `details[]` entry of a Genesys `ErrorBody` (reference §2). */
export interface ErrorDetail {
  errorCode?: string;
  fieldName?: string;
  entityId?: string;
  entityName?: string;
}

/** An API refusal, answered as a Genesys `ErrorBody` (§2, §7.7). */
export class GenesysError extends HttpError {
  constructor(
    status: number,
    code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
    headers: Record<string, string> = {},
  ) {
    super(status, code, message, headers);
  }
}

/** The header Genesys puts on every answer (§2, §3). Written with this case; HTTP headers are case-insensitive. */
export const CORRELATION_HEADER = 'ININ-Correlation-ID';

/** `ErrorBody`: `contextId` is the correlation id of the answer. */
export function errorBody(err: HttpError, contextId: string): Record<string, unknown> {
  return {
    message: err.message,
    code: err.code,
    status: err.status,
    contextId,
    details: err instanceof GenesysError ? err.details : [],
    errors: [],
  };
}

export function sendError(res: ServerResponse, err: HttpError, correlationId: string): void {
  send(res, err.status, errorBody(err, correlationId), {
    ...err.headers,
    [CORRELATION_HEADER]: correlationId,
  });
}

export const notFound = (what: string) => new GenesysError(404, 'not.found', `${what} not found`);
export const badRequest = (message: string, fieldName?: string) =>
  new GenesysError(
    400,
    fieldName ? 'invalid.value' : 'bad.request',
    message,
    fieldName ? [{ errorCode: 'invalid.value', fieldName }] : [],
  );

/** The raw body, refused with 413 past `maxBytes` (read on, so the client still gets the answer). */
export function readBytes(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= maxBytes) chunks.push(c);
    });
    req.on('end', () => {
      if (size > maxBytes)
        reject(
          new GenesysError(
            413,
            'payload.too.large',
            `The request body exceeds the maximum of ${maxBytes} bytes`,
          ),
        );
      else resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

/** A JSON request body, or 400 `bad.request`. */
export function parseJson(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw badRequest('The request body is not valid JSON');
  }
}
