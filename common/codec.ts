import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

/** How an encrypted payload says so, and which key it was encrypted with (so keys can rotate). */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const IV_BYTES = 12;
const TAG_BYTES = 16;

export class CodecKeyError extends Error {}

/** A payload that is not encrypted reached a process that accepts only encrypted ones. */
export class PlaintextPayloadRefused extends CodecKeyError {}

export interface AesGcmCodecOptions {
  /**
   * What `decode` does with a payload that is not encrypted: `refuse` (throw `PlaintextPayloadRefused`; the default,
   * for workers and clients: a payload without the key's tag is not authenticated, whoever sent it) or `pass` (hand it
   * back as it is; the codec server, which only shows payloads).
   */
  plaintext?: 'refuse' | 'pass';
}

/**
 * AES-256-GCM over the whole payload (its metadata and data), so nothing of a plan, a schedule or an agent reaches
 * Temporal's history in clear. The first key encrypts; every key decrypts, found by the key ID in the payload's
 * metadata: to rotate, put a new key first and keep the old ones until no running or retained push needs them.
 */
export class AesGcmCodec implements PayloadCodec {
  private readonly encryptWith: { id: string; key: Buffer };
  private readonly plaintext: 'refuse' | 'pass';

  constructor(
    private readonly keys: ReadonlyMap<string, Buffer>,
    options: AesGcmCodecOptions = {},
  ) {
    this.plaintext = options.plaintext ?? 'refuse';
    const first = [...keys][0];
    if (!first) throw new CodecKeyError('a codec needs at least one key');
    for (const [id, key] of keys)
      if (key.length !== 32)
        throw new CodecKeyError(`codec key ${id} is ${key.length} bytes; AES-256 needs 32`);
    this.encryptWith = { id: first[0], key: first[1] };
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', this.encryptWith.key, iv);
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: {
          encoding: Buffer.from(ENCRYPTED_ENCODING),
          [KEY_ID_METADATA]: Buffer.from(this.encryptWith.id),
        },
        data,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = Buffer.from(payload.metadata?.encoding ?? []).toString();
      if (encoding !== ENCRYPTED_ENCODING) {
        if (this.plaintext === 'pass') return payload;
        // GCM authenticates what it decrypts; a payload in clear carries no proof of the key, so whoever can reach the
        // Temporal frontend could start or steer a push with it. Refused: a worker fails the workflow task, never runs it.
        throw new PlaintextPayloadRefused(
          `a payload is not encrypted (encoding ${JSON.stringify(encoding.slice(0, 64))}): with WFM_PUSH_ENCRYPTION=on only payloads encrypted with a key of WFM_PUSH_CODEC_KEYS are accepted, so its sender has no key; nothing was run with it`,
        );
      }
      const keyId = Buffer.from(payload.metadata?.[KEY_ID_METADATA] ?? []).toString();
      const key = this.keys.get(keyId);
      if (!key)
        throw new CodecKeyError(
          `a payload is encrypted with key "${keyId}", which this process does not have (WFM_PUSH_CODEC_KEYS)`,
        );
      const data = Buffer.from(payload.data ?? []);
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}

/** `<keyId>=<base64 of 32 bytes>[,<keyId>=<base64>…]`, the format of WFM_PUSH_CODEC_KEYS and of a key file. */
export function parseCodecKeys(text: string, source: string): Map<string, Buffer> {
  const keys = new Map<string, Buffer>();
  for (const entry of text
    .split(/[,\n]/)
    .map((e) => e.trim())
    .filter(Boolean)) {
    const match = /^([A-Za-z0-9._-]{1,64})=([A-Za-z0-9+/=]+)$/.exec(entry);
    if (!match?.[1] || !match[2]) throw new CodecKeyError(`${source}: expected <keyId>=<base64 of 32 bytes>`);
    const key = Buffer.from(match[2], 'base64');
    if (key.length !== 32)
      throw new CodecKeyError(`${source}: key ${match[1]} is ${key.length} bytes, not 32`);
    if (keys.has(match[1])) throw new CodecKeyError(`${source}: key ${match[1]} is listed twice`);
    keys.set(match[1], key);
  }
  if (keys.size === 0) throw new CodecKeyError(`${source}: no key`);
  return keys;
}

/** A fresh key line for a key file: `<keyId>=<base64>`, the key ID naming its day. */
export function newCodecKeyLine(now = new Date()): string {
  return `k${now.toISOString().slice(0, 10).replace(/-/g, '')}=${randomBytes(32).toString('base64')}`;
}
