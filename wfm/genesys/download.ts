import { gunzipSync } from 'node:zlib';
import type { z } from 'zod';
import { protocolViolation } from '../failures';
import { parseAnswer } from './json-http';

const DEFAULT_MAX_BYTES = 32 * 2 ** 20;

/** Whether `bytes` start with the gzip magic `1f 8b`. */
export function isGzip(bytes: Buffer): boolean {
  return bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * A document fetched from a Genesys download URL. Its encoding and content type are not documented (reference §8):
 * it is read as bytes, gunzipped when it starts with the gzip magic `1f 8b`, and then parsed as JSON against `schema`.
 * The unzipped size is capped like any answer, so a small gzip cannot inflate into gigabytes.
 */
export function downloadedJson<S extends z.ZodType>(
  what: string,
  schema: S,
  bytes: Buffer,
  maxBytes = DEFAULT_MAX_BYTES,
): z.infer<S> {
  let body = bytes;
  if (isGzip(bytes)) {
    try {
      body = gunzipSync(bytes, { maxOutputLength: maxBytes });
    } catch (err) {
      throw protocolViolation(
        what,
        `the download is gzip that does not unzip within ${maxBytes} bytes (${(err as Error).message})`,
      );
    }
  }
  return parseAnswer(what, schema, body.toString('utf8'));
}
