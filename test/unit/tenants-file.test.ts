import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SettingsError } from '../../common/env';
import { parsePlan } from '../../client/plan-file';
import { loadTenantStyles } from '../../common/tenants-file';
import { loadWorkerSettings } from '../../worker/settings';

const SECRET = 'acme-s3cret-value';
const folder = mkdtempSync(path.join(tmpdir(), 'tenants-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function file(name: string, content: unknown, mode = 0o600): string {
  const at = path.join(folder, name);
  writeFileSync(at, typeof content === 'string' ? content : JSON.stringify(content));
  chmodSync(at, mode);
  return at;
}

const secretFile = file('acme-secret', `${SECRET}\n`);
const good = {
  acme: { api: 'genesys', region: 'ap-southeast-1', clientId: 'acme-client', clientSecretFile: secretFile },
  globex: {
    api: 'genesys',
    baseUrl: 'https://api.globex.example',
    loginUrl: 'https://login.globex.example',
    clientId: 'globex-client',
    clientSecretEnv: 'GLOBEX_SECRET',
  },
  initech: { api: 'rest', baseUrl: 'https://wfm.initech.example', tokenEnv: 'INITECH_TOKEN' },
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadWorkerSettings(env);
  } catch (err) {
    if (err instanceof SettingsError) return err.problems;
    throw err;
  }
  throw new Error('expected a SettingsError');
}

describe('WFM_TENANTS_FILE', () => {
  it("builds each tenant's WFM from its own entry, secrets by reference, nothing of the worker's own WFM", () => {
    const settings = loadWorkerSettings({
      WFM_TENANTS_FILE: file('good.json', good),
      GLOBEX_SECRET: 'globex-s3cret',
      INITECH_TOKEN: 'initech-token',
      // The worker's own WFM: none of it may reach a tenant.
      WFM_TOKEN: 'default-token',
      WFM_BASE_URL: 'http://127.0.0.1:4010',
      WFM_RATE_LIMIT_PER_SECOND: '5',
      WFM_REQUEST_TIMEOUT_MS: '7000',
    });
    expect(settings.tenants.get('acme')).toMatchObject({
      apiStyle: 'genesys',
      apiBaseUrl: 'https://api.apse1.pure.cloud',
      clientId: 'acme-client',
      clientSecret: SECRET,
      rateLimitPerSecond: undefined,
      requestTimeoutMs: 7000,
    });
    expect(settings.tenants.get('globex')).toMatchObject({
      apiBaseUrl: 'https://api.globex.example',
      loginBaseUrl: 'https://login.globex.example',
      clientSecret: 'globex-s3cret',
    });
    expect(settings.tenants.get('initech')).toMatchObject({
      apiStyle: 'rest',
      baseUrl: 'https://wfm.initech.example',
      token: 'initech-token',
    });
    expect(settings.wfm).toMatchObject({ token: 'default-token' });
  });

  it('refuses a bad file with every problem named by its path, and never shows a secret', () => {
    const bad = {
      acme: { ...good.acme, clientSecret: 'inline-secret', clientSecretFile: path.join(folder, 'missing') },
      globex: { ...good.globex, baseUrl: 'https://user:pw@api.globex.example' },
      initech: { api: 'rest', baseUrl: 'https://wfm.initech.example', token: 'inline-token' },
      'Bad Id': { api: 'rest', baseUrl: 'https://x.example' },
      hooli: { api: 'soap' },
      umbrella: { api: 'rest', baseUrl: 'https://x.example', maxSyncs: 0, maxSchedulesInFlight: 501 },
    };
    const problems = problemsOf({ WFM_TENANTS_FILE: file('bad.json', bad) });
    const text = problems.join('\n');
    expect(text).toMatch(/WFM_TENANTS_FILE acme\.clientSecret: secrets go by reference/);
    expect(text).toMatch(/WFM_TENANTS_FILE initech\.token: secrets go by reference/);
    expect(text).toMatch(/WFM_TENANTS_FILE Bad Id: must be 1-63 lower-case/);
    expect(text).toMatch(/WFM_TENANTS_FILE hooli/);
    expect(text).toMatch(/WFM_TENANTS_FILE umbrella\.maxSyncs: /);
    expect(text).toMatch(/WFM_TENANTS_FILE umbrella\.maxSchedulesInFlight: /);
    expect(text).not.toMatch(/inline-secret|inline-token/);

    // Shape fixed, the references are checked, each at its path, and URLs through the same checks as the worker's own.
    const shaped = problemsOf({
      WFM_TENANTS_FILE: file('refs.json', {
        acme: { ...good.acme, clientSecretFile: path.join(folder, 'missing') },
        globex: { ...good.globex, baseUrl: 'https://user:pw@api.globex.example' },
        initech: good.initech,
        shared: { ...good.acme, clientSecretFile: file('shared-secret', SECRET, 0o644) },
        plain: { api: 'rest', baseUrl: 'http://wfm.plain.example', tokenEnv: 'INITECH_TOKEN' },
      }),
      INITECH_TOKEN: 't',
    }).join('\n');
    expect(shaped).toMatch(/WFM_TENANTS_FILE acme\.clientSecretFile: cannot read .*missing: ENOENT/);
    expect(shaped).toMatch(/WFM_TENANTS_FILE globex\.clientSecretEnv: the variable GLOBEX_SECRET is not set/);
    expect(shaped).toMatch(
      /WFM_TENANTS_FILE shared\.clientSecretFile: .* readable by group or others \(mode 644\)/,
    );
    expect(shaped).toMatch(/WFM_TENANTS_FILE plain\.baseUrl: http:\/\/ to wfm\.plain\.example/);
    expect(shaped).not.toContain(SECRET);

    const creds = problemsOf({
      WFM_TENANTS_FILE: file('creds.json', {
        globex: { ...good.globex, baseUrl: 'https://user:pw@api.globex.example' },
      }),
      GLOBEX_SECRET: 'x',
    }).join('\n');
    expect(creds).toMatch(
      /WFM_TENANTS_FILE globex\.region \/ baseUrl \+ loginUrl: .*baseUrl must not carry credentials/,
    );
  });

  it('refuses a file that is not JSON or cannot be read, naming the variable', () => {
    expect(problemsOf({ WFM_TENANTS_FILE: file('broken.json', '{ nope') }).join()).toMatch(
      /^WFM_TENANTS_FILE: .*broken\.json is not valid JSON/,
    );
    expect(problemsOf({ WFM_TENANTS_FILE: path.join(folder, 'absent.json') }).join()).toMatch(
      /^WFM_TENANTS_FILE: cannot read/,
    );
  });
});

describe('a plan naming a tenant', () => {
  const styles = loadTenantStyles(file('styles.json', good));
  const schedule = { scheduleId: 's1', agents: [{ agentId: 'a1', shifts: [] }] };

  it("is validated for its tenant's API style", () => {
    const genesys = parsePlan(
      JSON.stringify({ tenant: 'acme', schedules: [schedule] }),
      undefined,
      'rest',
      styles,
    );
    expect(genesys).toMatchObject({
      ok: false,
      problems: [{ path: 'schedules[0].businessUnitId' }, { path: 'schedules[0].weekId' }],
    });
    const rest = parsePlan(
      JSON.stringify({ tenant: 'initech', schedules: [schedule] }),
      undefined,
      'genesys',
      styles,
    );
    expect(rest).toMatchObject({ ok: true, plan: { tenant: 'initech' } });
  });

  it('is refused when the tenant is unknown or there is no tenants file, with the other problems', () => {
    const unknown = parsePlan(JSON.stringify({ tenant: 'hooli', schedules: [] }), undefined, 'rest', styles);
    expect(unknown).toMatchObject({
      ok: false,
      problems: [
        { path: 'schedules' },
        {
          path: 'tenant',
          message: 'unknown tenant "hooli": WFM_TENANTS_FILE names "acme", "globex", "initech"',
        },
      ],
    });
    const none = parsePlan(JSON.stringify({ tenant: 'acme', schedules: [schedule] }));
    expect(none).toMatchObject({
      ok: false,
      problems: [{ path: 'tenant', message: expect.stringMatching(/no WFM_TENANTS_FILE/) }],
    });
  });

  it('gets a content plan ID of its own: two tenants pushing the same schedules are two pushes', () => {
    const of = (tenant?: string) => {
      const parsed = parsePlan(JSON.stringify({ tenant, schedules: [schedule] }), undefined, 'rest', styles);
      return parsed.ok ? parsed.plan.planId : undefined;
    };
    expect(new Set([of(), of('initech')]).size).toBe(2);
    expect(of()).toBe(of());
  });
});
