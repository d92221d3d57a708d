import { readFileSync, rmSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { startCodecServer, type RunningCodecServer } from '../../client/codec-server';
import { AesGcmCodec, newCodecKeyLine, parseCodecKeys } from '../../common/codec';
import { startCliProcess, type Service } from '../../dev/processes';
import { waitUntil } from '../support/wait-until';

const KEYS = newCodecKeyLine();
const TOKEN = 'a-long-codec-server-token';

/** POSTs `body` (a string, or that many bytes) and returns the status and answer; never throws on an early answer. */
function post(url: string, body: string | number, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(`${url}/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    if (typeof body === 'string') req.end(body);
    else {
      // A large body in pieces: the server may answer before it has all of it.
      const piece = Buffer.alloc(2 ** 20, 0x20);
      let sent = 0;
      const more = () => {
        while (sent < body) {
          sent += piece.length;
          if (!req.write(piece)) return void req.once('drain', more);
        }
        req.end();
      };
      req.on('error', () => undefined);
      more();
    }
  });
}

describe('the codec server (issue 18)', () => {
  let server: RunningCodecServer | undefined;
  let process_: Service | undefined;
  const dirs: string[] = [];
  afterEach(async () => {
    await server?.close();
    await process_?.stop(5_000);
    server = undefined;
    process_ = undefined;
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('answers 401 without the token, 413 past its size limit, and never with internal exception text', async () => {
    const codec = new AesGcmCodec(parseCodecKeys(KEYS, 'test'), { plaintext: 'pass' });
    server = await startCodecServer({ codec, port: 0, token: TOKEN });
    const auth = { authorization: `Bearer ${TOKEN}` };

    expect((await post(server.url, '{"payloads":[]}')).status).toBe(401);
    expect((await post(server.url, '{"payloads":[]}', { authorization: `Bearer ${TOKEN}x` })).status).toBe(
      401,
    );
    expect(await post(server.url, '{"payloads":[]}', auth)).toEqual({ status: 200, text: '{"payloads":[]}' });

    const tooLarge = await post(server.url, 17 * 2 ** 20, auth);
    expect(tooLarge.status).toBe(413);

    const notJson = await post(server.url, '{"payloads": [ nope', auth);
    expect(notJson.status).toBe(400);
    expect(notJson.text).not.toMatch(/Unexpected token|JSON at position|SyntaxError/);
    const foreignKey = await post(
      server.url,
      JSON.stringify({
        payloads: [
          {
            metadata: {
              encoding: Buffer.from('binary/encrypted').toString('base64'),
              'encryption-key-id': Buffer.from('k-unknown').toString('base64'),
            },
            data: Buffer.alloc(40).toString('base64'),
          },
        ],
      }),
      auth,
    );
    expect(foreignKey.status).toBe(400);
    expect(foreignKey.text).not.toContain('k-unknown');

    // What it is for still works: an encrypted payload comes back decoded.
    const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload({ agentId: 'a-1' })]);
    const decoded = await post(
      server.url,
      JSON.stringify({
        payloads: [
          {
            metadata: Object.fromEntries(
              Object.entries(encrypted!.metadata ?? {}).map(([k, v]) => [
                k,
                Buffer.from(v ?? []).toString('base64'),
              ]),
            ),
            data: Buffer.from(encrypted!.data ?? []).toString('base64'),
          },
        ],
      }),
      auth,
    );
    expect(decoded.status).toBe(200);
    const payload = (JSON.parse(decoded.text) as { payloads: Array<{ data: string }> }).payloads[0]!;
    expect(JSON.parse(Buffer.from(payload.data, 'base64').toString())).toEqual({ agentId: 'a-1' });
  });

  it('takes its token from WFM_PUSH_CODEC_SERVER_TOKEN, so it never shows in the process list', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'codec-server-'));
    dirs.push(dir);
    const log = path.join(dir, 'codec-server.log');
    process_ = startCliProcess(
      'codec-server',
      ['codec-server', '--port', '0'],
      {
        ...process.env,
        WFM_PUSH_CODEC_KEYS: KEYS,
        WFM_PUSH_CODEC_SERVER_TOKEN: TOKEN,
        WFM_PUSH_DATA_DIR: dir,
      },
      log,
    );
    const url = await waitUntil(
      'the codec server listens',
      () => /listening (http:\/\/\S+)/.exec(readFileSync(log, 'utf8'))?.[1],
      30_000,
    );
    // Every process's command line, as any local user sees it (ps, /proc/*/cmdline).
    const cmdline = readFileSync(`/proc/${process_.pid}/cmdline`, 'utf8');
    expect(cmdline).toContain('codec-server');
    expect(cmdline).not.toContain(TOKEN);
    expect(readFileSync(log, 'utf8')).not.toContain(TOKEN);
    expect((await post(url, '{"payloads":[]}')).status).toBe(401);
    expect((await post(url, '{"payloads":[]}', { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
  });
});
