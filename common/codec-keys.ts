import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createFileExclusively } from './atomic-file';
import { AesGcmCodec, newCodecKeyLine, parseCodecKeys } from './codec';

export interface EncryptionSettings {
  /** Off only when the Temporal service is trusted with plans in clear. */
  encryption: 'on' | 'off';
  /** `<keyId>=<base64>[,…]` from WFM_PUSH_CODEC_KEYS. */
  codecKeys: string | undefined;
  /** A file holding the same, from WFM_PUSH_CODEC_KEY_FILE. */
  codecKeyFile: string | undefined;
  dataDir: string;
}

/**
 * The payload codec of this process: from WFM_PUSH_CODEC_KEYS, else WFM_PUSH_CODEC_KEY_FILE, else the data folder's
 * `codec-keys` file, generated (owner-only) on first use so the one-machine default is encrypted too. `onGenerated`
 * is told the file's path, so the process can say that other hosts need the key.
 */
export async function loadPayloadCodec(
  settings: EncryptionSettings,
  onGenerated: (file: string) => void = () => {},
): Promise<AesGcmCodec | undefined> {
  if (settings.encryption === 'off') return undefined;
  if (settings.codecKeys) return new AesGcmCodec(parseCodecKeys(settings.codecKeys, 'WFM_PUSH_CODEC_KEYS'));
  if (settings.codecKeyFile) {
    const text = await readFile(settings.codecKeyFile, 'utf8');
    return new AesGcmCodec(parseCodecKeys(text, `WFM_PUSH_CODEC_KEY_FILE ${settings.codecKeyFile}`));
  }
  const file = path.join(settings.dataDir, 'codec-keys');
  // Created exclusively: a client and a worker starting together end up with the same key.
  if (!existsSync(file) && (await createFileExclusively(file, `${newCodecKeyLine()}\n`))) onGenerated(file);
  return new AesGcmCodec(parseCodecKeys(await readFile(file, 'utf8'), file));
}
