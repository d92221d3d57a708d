import type { ApplicationFailure } from '@temporalio/common';
import { protocolViolation } from './failures';

/**
 * A response body as text, read as a stream and given up past `maxBytes` (undefined then), so one huge answer cannot
 * take a worker's memory. Every adapter reads its answers through it.
 */
export async function readTextCapped(res: Response, maxBytes: number): Promise<string | undefined> {
  if (Number(res.headers.get('content-length') ?? 0) > maxBytes) {
    await res.body?.cancel();
    return undefined;
  }
  if (!res.body) return '';
  const decoder = new TextDecoder();
  const reader = res.body.getReader();
  let text = '';
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    // stream: true keeps a multi-byte character split across chunks whole.
    text += decoder.decode(value, { stream: true });
  }
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
