import type { ApplicationFailure } from '@temporalio/common';
import { protocolViolation } from './failures';

/**
 * A response body as bytes, read as a stream and given up past `maxBytes` (undefined then), so one huge answer cannot
 * take a worker's memory. Every adapter reads its answers through it.
 */
export async function readBytesCapped(res: Response, maxBytes: number): Promise<Buffer | undefined> {
  if (Number(res.headers.get('content-length') ?? 0) > maxBytes) {
    await res.body?.cancel();
    return undefined;
  }
  if (!res.body) return Buffer.alloc(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks, total);
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
}

/** A response body as UTF-8 text under the same cap (see `readBytesCapped`). */
export async function readTextCapped(res: Response, maxBytes: number): Promise<string | undefined> {
  return (await readBytesCapped(res, maxBytes))?.toString('utf8');
}

/**
 * Why an answer cannot be used at all, if it cannot: too large to read (`text` undefined), or a redirect, which is
 * never followed (`why` says what following it would do).
 */
export function unusableAnswer(
  what: string,
  res: Response,
  text: string | undefined,
  maxBytes: number,
  why: string,
): ApplicationFailure | undefined {
  if (text === undefined)
    return protocolViolation(what, `${res.status} answer larger than ${maxBytes} bytes; not read`);
  if (res.status >= 300 && res.status < 400)
    return protocolViolation(what, `${res.status} redirect (not followed: ${why})`);
  return undefined;
}
