import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import {
  AesGcmCodec,
  CodecKeyError,
  ENCRYPTED_ENCODING,
  newCodecKeyLine,
  parseCodecKeys,
  PlaintextPayloadRefused,
} from '../../common/codec';
import { loadPayloadCodec } from '../../common/codec-keys';

const plain = defaultPayloadConverter.toPayload({ agentId: 'ann@example.com', shifts: ['09:00'] });

describe('the payload codec (AES-256-GCM)', () => {
  const first = newCodecKeyLine(new Date('2026-11-01T00:00:00Z'));
  const second = `k2=${Buffer.alloc(32, 7).toString('base64')}`;

  it('encrypts whole payloads under the first key, names the key, and decrypts them back', async () => {
    const codec = new AesGcmCodec(parseCodecKeys(`${first},${second}`, 'test'));
    const [encrypted] = await codec.encode([plain]);
    expect(Buffer.from(encrypted?.metadata?.encoding ?? []).toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(encrypted?.metadata?.['encryption-key-id'] ?? []).toString()).toBe('k20261101');
    expect(Buffer.from(encrypted?.data ?? []).toString('latin1')).not.toContain('ann@example.com');
    const [decrypted] = await codec.decode([encrypted ?? plain]);
    expect(defaultPayloadConverter.fromPayload(decrypted ?? plain)).toEqual({
      agentId: 'ann@example.com',
      shifts: ['09:00'],
    });
  });

  it('rotates: a new first key encrypts, the old one still decrypts what it wrote', async () => {
    const before = new AesGcmCodec(parseCodecKeys(first, 'test'));
    const after = new AesGcmCodec(parseCodecKeys(`${second},${first}`, 'test'));
    const [old] = await before.encode([plain]);
    const [decoded] = await after.decode([old ?? plain]);
    expect(defaultPayloadConverter.fromPayload(decoded ?? plain)).toEqual({
      agentId: 'ann@example.com',
      shifts: ['09:00'],
    });
    const [fresh] = await after.encode([plain]);
    expect(Buffer.from(fresh?.metadata?.['encryption-key-id'] ?? []).toString()).toBe('k2');
    await expect(before.decode([fresh ?? plain])).rejects.toThrow(
      /encrypted with key "k2", which this process does not have/,
    );
  });

  it('detects a payload changed in storage', async () => {
    const codec = new AesGcmCodec(parseCodecKeys(first, 'test'));
    const [encrypted] = await codec.encode([plain]);
    const data = Buffer.from(encrypted?.data ?? []);
    data[20] = (data[20] ?? 0) ^ 1;
    await expect(codec.decode([{ ...encrypted, data }])).rejects.toThrow();
  });

  it('refuses payloads that were never encrypted (the codec server shows them as they are), and malformed keys by name', async () => {
    const codec = new AesGcmCodec(parseCodecKeys(first, 'test'));
    await expect(codec.decode([plain])).rejects.toThrow(PlaintextPayloadRefused);
    await expect(codec.decode([plain])).rejects.toThrow(
      /a payload is not encrypted \(encoding "json\/plain"\)/,
    );
    const shows = new AesGcmCodec(parseCodecKeys(first, 'test'), { plaintext: 'pass' });
    expect(await shows.decode([plain])).toEqual([plain]);
    expect(() => parseCodecKeys('k1=short', 'WFM_PUSH_CODEC_KEYS')).toThrow(
      new CodecKeyError('WFM_PUSH_CODEC_KEYS: key k1 is 3 bytes, not 32'),
    );
    expect(() => parseCodecKeys('', 'WFM_PUSH_CODEC_KEYS')).toThrow(/no key/);
  });
});

describe('payload keys at rest', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const folder = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'keys-'));
    dirs.push(dir);
    return dir;
  };
  const settings = (dataDir: string, codecKeyFile?: string) => ({
    encryption: 'on' as const,
    codecKeys: undefined,
    codecKeyFile,
    dataDir,
    store: { kind: 'file' as const },
  });

  it('refuses a key file that group or others can read, naming the fix', async () => {
    const dir = folder();
    const file = path.join(dir, 'keys');
    writeFileSync(file, newCodecKeyLine(), { mode: 0o644 });
    chmodSync(file, 0o644);
    await expect(loadPayloadCodec(settings(dir, file))).rejects.toThrow(
      /WFM_PUSH_CODEC_KEY_FILE .* is readable by group or others \(mode 644\); chmod 600 it/,
    );
    chmodSync(file, 0o600);
    await expect(loadPayloadCodec(settings(dir, file))).resolves.toBeInstanceOf(AesGcmCodec);
  });

  it('makes an existing data folder owner-only, and refuses its key file once others can read it', async () => {
    const dir = folder();
    chmodSync(dir, 0o755);
    await loadPayloadCodec(settings(dir));
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(dir, 'codec-keys')).mode & 0o777).toBe(0o600);
    chmodSync(path.join(dir, 'codec-keys'), 0o640);
    await expect(loadPayloadCodec(settings(dir))).rejects.toThrow(/readable by group or others/);
  });
});
