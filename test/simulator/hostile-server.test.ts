import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FailureType } from '../../model/failures';
import { listen } from '../../dev/simulator/server';
import { WfmSimulator } from '../../dev/simulator/wfm-simulator';
import { AdaptiveRateController } from '../../wfm/rate/adaptive-rate';
import { RestWfmAdapter } from '../../wfm/rest/rest-adapter';
import { staticToken } from '../../wfm/tokens';

const TOKEN = 'secret-token-0123456789';
const doc = { id: 's-1', version: 1, agents: [{ agentId: 'a-1', shifts: [] }] };

/** A server that answers whatever the test says, and remembers what it was asked. */
async function hostile(answer: (req: IncomingMessage, res: ServerResponse) => void) {
  const seen: Array<{ method?: string; url?: string; authorization?: string }> = [];
  const server: Server = createServer((req, res) => {
    seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization });
    req.resume();
    answer(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    seen,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

describe('the REST adapter against a hostile server', () => {
  const servers: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
  });
  async function serve(answer: (req: IncomingMessage, res: ServerResponse) => void) {
    const server = await hostile(answer);
    servers.push(server);
    return server;
  }
  const adapter = (baseUrl: string) => new RestWfmAdapter({ baseUrl, tokens: staticToken(TOKEN) });
  const failureOf = (p: Promise<unknown>) =>
    p.then(
      () => {
        throw new Error('expected the request to fail');
      },
      (err: { type?: string; message: string; nonRetryable?: boolean }) => err,
    );

  it('keeps 500 bytes of a 1 MB error message, with no control characters', async () => {
    const server = await serve((_req, res) =>
      json(res, 400, { code: 'bad', message: `\u001b[31mred\u001b[0m\u0007 ${'x'.repeat(1_000_000)}` }),
    );
    const err = await failureOf(adapter(server.url).readSchedule({ scheduleId: 's-1', agentIds: [] }));
    expect(err.type).toBe(FailureType.Rejected);
    expect(Buffer.byteLength(err.message)).toBeLessThan(700);
    expect(err.message).toMatch(/^GET schedule s-1: 400 bad: red x+… \(\d+ more bytes\)$/);
    expect(err.message).not.toMatch(/[\u0000-\u001f]/);
  });

  it('redacts the bearer token a 403 echoes back, and anything else credential-like', async () => {
    const server = await serve((req, res) =>
      json(res, 403, {
        message: `denied; request headers: {"authorization":"${req.headers.authorization}"}, client_secret=abc123, token ${TOKEN}`,
      }),
    );
    const err = await failureOf(adapter(server.url).readSchedule({ scheduleId: 's-1', agentIds: [] }));
    expect(err.message).not.toContain(TOKEN);
    expect(err.message).not.toContain('abc123');
    expect(err.message).toContain('[redacted]');
  });

  it('follows no redirect: a 307 to another schedule or another host is a failure, and nothing is sent there', async () => {
    const elsewhere = await serve((_req, res) => json(res, 200, doc));
    const server = await serve((req, res) => {
      const to =
        req.method === 'GET' ? '/api/v2/wfm/schedules/s-2' : `${elsewhere.url}/api/v2/wfm/schedules/s-1`;
      res.writeHead(307, { location: to });
      res.end();
    });
    const wfm = adapter(server.url);
    const read = await failureOf(wfm.readSchedule({ scheduleId: 's-1', agentIds: [] }));
    expect(read).toMatchObject({ type: FailureType.ProtocolViolation, nonRetryable: true });
    expect(read.message).toContain('307 redirect (not followed');
    const snapshot = { scheduleId: 's-1', version: '1', agents: [], raw: doc };
    const write = await failureOf(wfm.writeAgents(snapshot, [{ agentId: 'a-1', shifts: [] }]));
    expect(write.type).toBe(FailureType.ProtocolViolation);
    expect(server.seen.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /api/v2/wfm/schedules/s-1',
      'PUT /api/v2/wfm/schedules/s-1',
    ]);
    expect(elsewhere.seen).toEqual([]);
  });

  it('stops reading an answer past the byte cap instead of holding it in memory', async () => {
    let sent = 0;
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(1 << 20, 0x20);
      const pump = () => {
        while (sent < 150 * 2 ** 20 && !res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('error', () => undefined);
      pump();
    });
    const wfm = new RestWfmAdapter({
      baseUrl: server.url,
      tokens: staticToken(TOKEN),
      maxResponseBytes: 2 ** 20,
    });
    const err = await failureOf(wfm.readSchedule({ scheduleId: 's-1', agentIds: [] }));
    expect(err.type).toBe(FailureType.ProtocolViolation);
    expect(err.message).toContain(`larger than ${2 ** 20} bytes`);
    expect(sent).toBeLessThan(150 * 2 ** 20); // the adapter hung up long before the end
  });

  it('refuses a 200 that is not JSON', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>login</html>');
    });
    const err = await failureOf(adapter(server.url).readSchedule({ scheduleId: 's-1', agentIds: [] }));
    expect(err.type).toBe(FailureType.ProtocolViolation);
    expect(err.message).toContain('not JSON');
  });

  it('sends a read and its write as one unit: the PUT follows its GET, ahead of the reads queued meanwhile', async () => {
    const sim = new WfmSimulator({});
    const docs = ['s-1', 's-2', 's-3', 's-4'].map((id) => ({ ...doc, id }));
    sim.store.seed(docs);
    const running = await listen(sim);
    servers.push(running);
    const wfm = new RestWfmAdapter({
      baseUrl: running.url,
      tokens: staticToken('dev-token'),
      rate: new AdaptiveRateController({ initialPerSecond: 4 }),
    });
    const target = (scheduleId: string) => ({ scheduleId, agentIds: [] });
    const unit = await wfm.readWriteUnit(1, {});
    // Three other schedules' reads queue while the unit's read is on its way.
    const others = ['s-2', 's-3', 's-4'].map((id) => wfm.readSchedule(target(id)));
    try {
      const base = await wfm.readSchedule(target('s-1'), unit.call);
      await wfm.writeAgents(base, [{ agentId: 'a-1', shifts: [] }], unit.call);
    } finally {
      unit.release();
    }
    await Promise.all(others);
    expect(sim.requests.map((r) => `${r.method} ${r.scheduleId}`)).toEqual([
      'GET s-1',
      'PUT s-1',
      'GET s-2',
      'GET s-3',
      'GET s-4',
    ]);
  });

  it('starts a request timeout when the request is sent, not while it waits out a pause', async () => {
    const sim = new WfmSimulator({ rateLimitPerSecond: 0.5, rateLimitBurst: 1 });
    sim.store.seed([doc]);
    const running = await listen(sim);
    servers.push(running);
    const wfm = new RestWfmAdapter({
      baseUrl: running.url,
      tokens: staticToken('dev-token'),
      requestTimeoutMs: 500,
      rate: new AdaptiveRateController(),
    });
    await wfm.readSchedule({ scheduleId: 's-1', agentIds: [] });
    // The second read is refused (Retry-After: 2), waits 2 s for its turn, then goes: 500 ms is enough for it.
    const counts = { requests: 0, rateLimited: 0 };
    await expect(wfm.readSchedule({ scheduleId: 's-1', agentIds: [] }, { counts })).resolves.toMatchObject({
      version: '1',
    });
    expect(counts).toEqual({ requests: 2, rateLimited: 1 });
  });
});
