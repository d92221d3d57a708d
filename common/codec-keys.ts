import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { createFileExclusively, makeOwnerOnly } from './atomic-file';
import {
  AesGcmCodec,
  CodecKeyError,
  newCodecKeyLine,
  parseCodecKeys,
  type AesGcmCodecOptions,
} from './codec';

const SHARED_STORE_NEEDS_KEYS =
  'WFM_PUSH_STORE is PostgreSQL, shared by clients and workers on several hosts, so they need one payload key between ' +
  'them: set WFM_PUSH_CODEC_KEYS (or WFM_PUSH_CODEC_KEY_FILE) to the same "<keyId>=<base64 of 32 bytes>" on each, ' +
  "from your secret store (a new one: node -e \"console.log('k1=' + require('crypto').randomBytes(32).toString('base64'))\"), " +
  'or WFM_PUSH_ENCRYPTION=off for a Temporal service trusted with plans in clear';

export interface EncryptionSettings {
  /** Off only when the Temporal service is trusted with plans in clear. */
  encryption: 'on' | 'off';
  /** `<keyId>=<base64>[,…]` from WFM_PUSH_CODEC_KEYS. */
  codecKeys: string | undefined;
  /** A file holding the same, from WFM_PUSH_CODEC_KEY_FILE. */
  codecKeyFile: string | undefined;
  dataDir: string;
  /** A store shared by hosts (PostgreSQL) means hosts that must share a key too. */
  store: { kind: 'file' | 'postgres' };
}

/**
 * The payload codec of this process: from WFM_PUSH_CODEC_KEYS, else WFM_PUSH_CODEC_KEY_FILE, else the data folder's
 * `codec-keys` file, generated (owner-only) on first use so the one-machine default is encrypted too. `onGenerated`
 * is told the file's path, so the process can say that other hosts need the key. With a store shared by hosts, no
 * key is generated: each host would make its own, and a worker that cannot read a push's payloads fails its tasks
 * over and over instead of refusing to start.
 */
export async function loadPayloadCodec(
  settings: EncryptionSettings,
  onGenerated: (file: string) => void = () => {},
  codecOptions: AesGcmCodecOptions = {},
): Promise<AesGcmCodec | undefined> {
  if (settings.encryption === 'off') return undefined;
  if (settings.codecKeys)
    return new AesGcmCodec(parseCodecKeys(settings.codecKeys, 'WFM_PUSH_CODEC_KEYS'), codecOptions);
  if (settings.codecKeyFile) {
    await refuseShared(settings.codecKeyFile, 'WFM_PUSH_CODEC_KEY_FILE');
    const text = await readFile(settings.codecKeyFile, 'utf8');
    return new AesGcmCodec(
      parseCodecKeys(text, `WFM_PUSH_CODEC_KEY_FILE ${settings.codecKeyFile}`),
      codecOptions,
    );
  }
  if (settings.store.kind === 'postgres') throw new CodecKeyError(SHARED_STORE_NEEDS_KEYS);
  const file = path.join(settings.dataDir, 'codec-keys');
  // The data folder holds the key (and, by default, the stores): owner-only, also when it existed before.
  await makeOwnerOnly(settings.dataDir);
  // Created exclusively: a client and a worker starting together end up with the same key.
  if (!existsSync(file) && (await createFileExclusively(file, `${newCodecKeyLine()}\n`))) onGenerated(file);
  await refuseShared(file, 'the data folder\u2019s key file');
  return new AesGcmCodec(parseCodecKeys(await readFile(file, 'utf8'), file), codecOptions);
}

/** A key file that group or others can read is not a secret any more: refused, with the fix. */
async function refuseShared(file: string, what: string): Promise<void> {
  const mode = (await stat(file)).mode & 0o777;
  if ((mode & 0o077) !== 0)
    throw new CodecKeyError(
      `${what} ${file} is readable by group or others (mode ${mode.toString(8)}); chmod 600 it (and rotate the key if others may have read it)`,
    );
}
