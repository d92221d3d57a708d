import { createGenesysSimulator, type GenesysSimulator } from '../../dev/simulator/genesys/genesys-simulator';
import type { GenesysSimulatorOptionsInput } from '../../dev/simulator/genesys/options';
import { listenGenesys, type RunningGenesysSimulator } from '../../dev/simulator/genesys/server';
import { accessToken, api, call, requestToken } from '../../dev/simulator/genesys/sim-http';
import { genesysErrorBodySchema } from '../../wfm/genesys/schemas';

/*
 * The login host, the bearer check and the per-token rate limit of the Genesys simulator, over real HTTP, against
 * the statements of docs/reference/genesys-wfm.md (sections cited per test).
 */

describe('Genesys simulator: auth, correlation, rate limit', () => {
  const running: RunningGenesysSimulator[] = [];
  afterEach(async () => {
    for (const r of running.splice(0)) await r.close();
  });

  async function start(options: GenesysSimulatorOptionsInput = {}, now?: () => Date) {
    const sim: GenesysSimulator = createGenesysSimulator(options, { now });
    const server = await listenGenesys(sim);
    running.push(server);
    const bu = sim.store.businessUnits[0]!;
    const schedule = sim.store.allSchedules()[0]!;
    const schedulePath = `/api/v2/workforcemanagement/businessunits/${bu.id}/weeks/${schedule.weekId}/schedules/${schedule.id}`;
    return { sim, url: server.url, schedulePath };
  }

  it('issues a bearer token for Basic client credentials and a form grant_type (§4)', async () => {
    const { url } = await start({ tokenLifetimeSeconds: 30 });
    const ok = await requestToken(url, 'sim-client', 'sim-secret');
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 30 });

    const badSecret = await requestToken(url, 'sim-client', 'wrong');
    expect(badSecret.status).toBe(401);
    expect(badSecret.json).toMatchObject({ error: 'invalid_client' });

    const badGrant = await call(`${url}/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('sim-client:sim-secret').toString('base64')}` },
      body: 'grant_type=password',
    });
    expect(badGrant.status).toBe(400);
  });

  it('answers 401 authentication.required, bad.credentials and credentials.expired (§2, §4, §7.2)', async () => {
    let offsetMs = 0;
    const { url, schedulePath } = await start(
      { tokenLifetimeSeconds: 30 },
      () => new Date(Date.now() + offsetMs),
    );
    const token = await accessToken(url);
    expect((await api(url, token, 'GET', schedulePath)).status).toBe(200);

    const missing = await call(`${url}${schedulePath}`);
    expect(missing.status).toBe(401);
    expect(missing.json).toMatchObject({ code: 'authentication.required', status: 401 });

    const bad = await api(url, 'not-a-token', 'GET', schedulePath);
    expect(bad.json).toMatchObject({ code: 'bad.credentials', status: 401 });

    offsetMs = 31_000; // The token's 30 s are over.
    const expired = await api(url, token, 'GET', schedulePath);
    expect(expired.status).toBe(401);
    expect(expired.json).toMatchObject({ code: 'credentials.expired' });
    // A new token works again: what an adapter does on 401 (re-acquire once).
    expect((await api(url, await accessToken(url), 'GET', schedulePath)).status).toBe(200);
  });

  it('answers 403 missing.permissions to a client without wfm:schedule:edit (§1 table, §7.2)', async () => {
    const { url, schedulePath } = await start({
      clients: [{ id: 'viewer', secret: 's', permissions: ['wfm:schedule:view'] }],
    });
    const token = await accessToken(url, 'viewer', 's');
    expect((await api(url, token, 'GET', schedulePath)).status).toBe(200);
    const refused = await api(url, token, 'POST', `${schedulePath}/update/uploadurl`, {
      contentLengthBytes: 10,
    });
    expect(refused.status).toBe(403);
    expect(refused.json).toMatchObject({ code: 'missing.permissions' });
  });

  it('puts ININ-Correlation-ID on every answer, and an error body’s contextId is that id (§2, §3, §7.7)', async () => {
    const { url, schedulePath } = await start();
    const token = await accessToken(url);
    const ok = await api(url, token, 'GET', schedulePath);
    expect(ok.headers.get('inin-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
    const notFound = await api(url, token, 'GET', schedulePath.replace(/schedules\/.*$/, 'schedules/nope'));
    expect(notFound.status).toBe(404);
    const body = genesysErrorBodySchema.parse(notFound.json);
    expect(body).toMatchObject({ code: 'not.found', status: 404, details: [] });
    expect(body.contextId).toBe(notFound.headers.get('inin-correlation-id'));
    expect(notFound.json).toHaveProperty('errors', []);
  });

  it('limits each token per minute: 429 with Retry-After and the normalised body, no rate-limit headers (§3, §7.8)', async () => {
    const { url, schedulePath } = await start({ rateLimitPerMinute: 5 });
    const token = await accessToken(url);
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await api(url, token, 'GET', schedulePath));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 429]);
    for (const a of answers) expect([...a.headers.keys()].filter((h) => /ratelimit/i.test(h))).toEqual([]);

    const refused = answers[5]!;
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);
    expect(refused.json).toEqual({
      message: expect.stringContaining(`[${retryAfter}]`),
      code: 'too.many.requests.retry.after',
      status: 429,
      contextId: refused.headers.get('inin-correlation-id'),
      details: [],
      errors: [],
    });
    // The budget is per token: another token of the same client starts full.
    expect((await api(url, await accessToken(url), 'GET', schedulePath)).status).toBe(200);
  });

  it('refuses a request body over request.bytes.max with 413 (§3, §5)', async () => {
    const { url, schedulePath } = await start({ requestBytesMax: 1000 });
    const token = await accessToken(url);
    const big = await api(url, token, 'POST', `${schedulePath}/agentschedules/query`, {
      pad: 'x'.repeat(2000),
    });
    expect(big.status).toBe(413);
  });

  it('injects 5xx ErrorBodies and a forced 429 while running, through PATCH /_sim/faults (§7.8-9)', async () => {
    const { url, schedulePath } = await start();
    const token = await accessToken(url);
    const patch = (faults: unknown) =>
      call(`${url}/_sim/faults`, { method: 'PATCH', body: JSON.stringify(faults) });
    expect((await patch({ failShare: 1, failStatuses: [504] })).status).toBe(200);
    const failed = await api(url, token, 'GET', schedulePath);
    expect(failed.status).toBe(504);
    expect(failed.json).toMatchObject({ code: 'request.timeout', status: 504 });
    await patch({ failShare: 0, throttleShare: 1, retryAfterSeconds: 3600 });
    const throttled = await api(url, token, 'GET', schedulePath);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('3600');
    expect((await patch({ noSuchFault: true })).status).toBe(400);
    // A patch changes what it names and nothing else (it used to put every other fault back to its default).
    const after = (await patch({ latencyMs: 5 })).json;
    expect(after).toMatchObject({ latencyMs: 5, throttleShare: 1, retryAfterSeconds: 3600 });
  });
});
