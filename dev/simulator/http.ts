import type { IncomingMessage, ServerResponse } from 'node:http';

/** An answer in the contract's error shape: `{ status, code, message }`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** The version a PUT is based on: If-Match (`"7"`, `W/"7"`) and/or the body's `version`; both must agree. */
export function baseVersion(
  ifMatch: string | undefined,
  bodyVersion: unknown,
): { version: number; from: 'if-match' | 'body' } {
  const fromHeader =
    ifMatch === undefined ? undefined : Number(/^(?:W\/)?"?(\d+)"?$/.exec(ifMatch.trim())?.[1] ?? NaN);
  if (fromHeader !== undefined && Number.isNaN(fromHeader))
    throw new HttpError(400, 'version.invalid', `If-Match "${ifMatch}" is not a version`);
  if (bodyVersion !== undefined && !Number.isInteger(bodyVersion))
    throw new HttpError(400, 'version.invalid', 'body version must be an integer');
  const fromBody = bodyVersion as number | undefined;
  if (fromHeader !== undefined && fromBody !== undefined && fromHeader !== fromBody) {
    throw new HttpError(
      400,
      'version.invalid',
      `If-Match ${fromHeader} and body version ${fromBody} disagree`,
    );
  }
  if (fromHeader !== undefined) return { version: fromHeader, from: 'if-match' };
  if (fromBody !== undefined) return { version: fromBody, from: 'body' };
  throw new HttpError(
    400,
    'version.required',
    'a PUT must carry its base version in If-Match or in the body',
  );
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}
