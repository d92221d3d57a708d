import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { newCodecKeyLine } from '../../common/codec';
import { SEARCH_ATTRIBUTES } from '../../model/names';
import { CLUSTER_SERVICES } from '../infra/temporal-cluster-config';
import { TEMPORAL_SERVER_VERSION } from '../infra/temporal-server-build';
import { loadWorkerSettings, workerEnvSchema } from '../../worker/settings';
import { createWorkerMetrics } from '../../worker/metrics';
import { dockerfileInstructions, interpolate } from './compose-support';
import { deployedPromql, metricsUsed, sdkCoreDefines } from './metric-names';

const ROOT = path.resolve(__dirname, '../..');
const DEPLOY = path.join(ROOT, 'deploy');
const SERVER_TAG = TEMPORAL_SERVER_VERSION.replace(/^v/, '');

/** What the deployment needs from its operator; dummy values stand in for them here. */
const OPERATOR_ENV = {
  POSTGRES_PASSWORD: 'S3cretPassw0rd',
  WFM_PUSH_DB_PASSWORD: 'An0therPassw0rd',
  WFM_PUSH_CODEC_KEYS: newCodecKeyLine(),
  WFM_BASE_URL: 'https://wfm.example.com',
  WFM_TOKEN: 'a-bearer-token',
};

const composeSchema = z.object({
  name: z.string(),
  services: z.record(
    z.string(),
    z.object({
      image: z.string().optional(),
      build: z.object({ context: z.string(), dockerfile: z.string() }).optional(),
      command: z.union([z.string(), z.array(z.string())]).optional(),
      environment: z.record(z.string(), z.string()).optional(),
      depends_on: z
        .union([z.array(z.string()), z.record(z.string(), z.object({ condition: z.string() }))])
        .optional(),
      ports: z.array(z.string()).optional(),
      volumes: z.array(z.string()).optional(),
    }),
  ),
  volumes: z.record(z.string(), z.unknown()).optional(),
});
type Compose = z.infer<typeof composeSchema>;

function loadCompose(env: Record<string, string>): Compose {
  const text = readFileSync(path.join(DEPLOY, 'compose.yaml'), 'utf8');
  // YAML merge keys (`<<: *anchor`) as Docker Compose reads them, then its `${VAR}` interpolation.
  return composeSchema.parse(interpolate(parse(text, { merge: true }), env));
}

const dependencies = (service: Compose['services'][string]) =>
  Array.isArray(service.depends_on)
    ? Object.fromEntries(service.depends_on.map((name) => [name, 'service_started']))
    : Object.fromEntries(Object.entries(service.depends_on ?? {}).map(([k, v]) => [k, v.condition]));

/**
 * The deployment files, checked without a container runtime (CI has none): the compose file parsed as Docker Compose
 * reads it and held against what the code expects (the Temporal release the tests build, the four services, the
 * search attributes, worker settings the worker's own schema accepts); the Dockerfile's instructions. The dynamic
 * config is checked by the server itself in `temporal-server.test.ts` (slow lane: it builds the server).
 */
describe('deployment files', () => {
  const compose = loadCompose(OPERATOR_ENV);
  const services = compose.services;

  it('the compose file refuses to start without the secrets the operator must give', () => {
    for (const name of Object.keys(OPERATOR_ENV)) {
      const { [name as keyof typeof OPERATOR_ENV]: _, ...rest } = OPERATOR_ENV;
      expect(() => loadCompose(rest)).toThrow(new RegExp(name));
    }
  });

  it('runs each Temporal service in a container of its own, on the release the tests build', () => {
    const temporal = Object.entries(services).filter(([, s]) => s.image?.startsWith('temporalio/server:'));
    expect(temporal.map(([, s]) => s.environment?.TEMPORAL_SERVICES).sort()).toEqual(
      [...CLUSTER_SERVICES].sort(),
    );
    for (const [name, service] of temporal) {
      expect({ name, image: service.image }).toEqual({ name, image: `temporalio/server:${SERVER_TAG}` });
      expect(service.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql' });
      expect(dependencies(service)).toEqual({ 'temporal-schema': 'service_completed_successfully' });
    }
    // Neither TLS nor authorization is configured here: published on this host's loopback unless told otherwise.
    expect(services['temporal-frontend']?.ports).toEqual(['127.0.0.1:7233:7233']);
    expect(services['temporal-ui']?.ports).toEqual(['127.0.0.1:8080:8080']);
    const wider = loadCompose({ ...OPERATOR_ENV, TEMPORAL_PUBLISH_ADDRESS: '0.0.0.0' }).services;
    expect(wider['temporal-frontend']?.ports).toEqual(['0.0.0.0:7233:7233']);
    for (const job of ['temporal-schema', 'temporal-namespace'])
      expect(services[job]?.image).toBe(`temporalio/admin-tools:${SERVER_TAG}`);
    expect(services['temporal-ui']?.environment?.TEMPORAL_ADDRESS).toBe('temporal-frontend:7233');
  });

  it('sets up the schema on PostgreSQL and creates the namespace with every search attribute the workflows set', () => {
    const schemaJob = JSON.stringify(services['temporal-schema']);
    for (const schema of ['postgresql/v12/temporal', 'postgresql/v12/visibility'])
      expect(schemaJob).toContain(`update-schema --schema-name ${schema}`);
    expect(dependencies(services['temporal-schema']!)).toEqual({ postgresql: 'service_healthy' });
    const namespaceJob = String(services['temporal-namespace']?.command);
    expect(namespaceJob).toContain('namespace create --namespace default');
    const names = namespaceJob.match(/for name in ([\w ]+); do/)?.[1]?.split(' ');
    expect(names?.sort()).toEqual(SEARCH_ATTRIBUTES.map((key) => key.name).sort());
    expect(SEARCH_ATTRIBUTES.every((key) => key.type === 'KEYWORD')).toBe(true); // the job creates them as Keyword
  });

  it('runs two workers from the Dockerfile whose settings the worker accepts, sharing the PostgreSQL store', () => {
    const workers = Object.entries(services).filter(([, s]) => s.build);
    expect(workers.map(([name]) => name)).toEqual(['worker-1', 'worker-2']);
    for (const [, worker] of workers) {
      expect(existsSync(path.resolve(DEPLOY, worker.build!.context, worker.build!.dockerfile))).toBe(true);
      expect(dependencies(worker)).toEqual({
        'temporal-namespace': 'service_completed_successfully',
        'wfm-push-role': 'service_completed_successfully',
      });
      // Every variable is one the worker reads (a misspelt one would be ignored and its default used)…
      const unknown = Object.keys(worker.environment ?? {}).filter(
        (name) => !(name in workerEnvSchema.shape) && !name.startsWith('TEMPORAL_'),
      );
      expect(unknown).toEqual([]);
      // … and the worker's own schema accepts their values: a refused one fails here, not on a deploy.
      const settings = loadWorkerSettings(worker.environment ?? {});
      expect(settings.temporal).toMatchObject({ address: 'temporal-frontend:7233', namespace: 'default' });
      expect(settings.store.kind).toBe('postgres');
      const store = new URL(worker.environment?.WFM_PUSH_STORE ?? '');
      expect(store.hostname).toBe('postgresql');
      expect(store.pathname).toBe(`/${services.postgresql?.environment?.POSTGRES_DB}`);
      // A role of its own, never Temporal's superuser.
      expect(store.username).toBe('wfm_push');
      expect(decodeURIComponent(store.password)).toBe(OPERATOR_ENV.WFM_PUSH_DB_PASSWORD);
      expect(dependencies(worker)).toMatchObject({ 'wfm-push-role': 'service_completed_successfully' });
    }
  });

  it('names only services it defines, and starts them in an order without cycles', () => {
    const started: string[] = [];
    const visit = (name: string, path: string[]) => {
      expect(services[name]).toBeDefined();
      if (path.includes(name)) throw new Error(`depends_on cycle: ${[...path, name].join(' → ')}`);
      if (started.includes(name)) return;
      for (const dependency of Object.keys(dependencies(services[name]!))) visit(dependency, [...path, name]);
      started.push(name);
    };
    for (const name of Object.keys(services)) visit(name, []);
    expect(started.indexOf('postgresql')).toBe(0);
  });

  it('the Dockerfile builds the npm tarball and runs `wfm-push worker` as a user other than root, on glibc Node', () => {
    const instructions = dockerfileInstructions(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
    const from = instructions.filter((i) => i.name === 'FROM').map((i) => i.args);
    expect(from.length).toBe(2);
    const engines = (
      JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
        engines: { node: string };
      }
    ).engines.node;
    for (const image of from) {
      expect(image).toMatch(/^node:(\d+)[\d.]*-bookworm-slim\b/); // the SDK's native core needs glibc
      expect(Number(/^node:(\d+)/.exec(image)?.[1])).toBeGreaterThanOrEqual(Number(/\d+/.exec(engines)?.[0]));
    }
    const lastFrom = instructions.map((i) => i.name).lastIndexOf('FROM');
    const final = instructions.slice(lastFrom); // the runtime stage
    const last = (name: string) => final.filter((i) => i.name === name).at(-1)?.args;
    expect(final.some((i) => i.name === 'RUN' && i.args.includes('--omit=dev'))).toBe(true);
    expect(last('USER')).toBe('node');
    // Fewer malloc arenas: a quarter of a worker's peak memory was the default arenas' fragmentation (issue 22).
    expect(final.filter((i) => i.name === 'ENV').map((i) => i.args)).toContain('MALLOC_ARENA_MAX=2');
    expect(JSON.parse(last('ENTRYPOINT') ?? 'null')).toEqual(['wfm-push']);
    expect(JSON.parse(last('CMD') ?? 'null')).toEqual(['worker']);
    const ignored = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toEqual(
      expect.arrayContaining(['node_modules', 'dist', '.tools', '.data', '.env', '*.env']),
    );
    // Secrets kept in an env file never reach the image nor a commit.
    const gitIgnored = readFileSync(path.join(ROOT, '.gitignore'), 'utf8').split('\n');
    expect(gitIgnored).toEqual(expect.arrayContaining(['.env', '*.env']));
  });

  it('names every image by an exact release (or a digest), never a moving tag', () => {
    // A moving tag (`postgres:16`, `latest`, none) changes under a running deployment at its next pull. Digests
    // cannot be resolved from this project's machines (no registry access): docs/deployment.md shows how to add them.
    const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    const fromImages = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1] ?? '');
    const composeImages = Object.entries(services)
      .filter(([, s]) => s.image && !s.build) // the workers' image is built here
      .map(([, s]) => s.image ?? '');
    expect(fromImages.length).toBe(2);
    expect(composeImages.length).toBeGreaterThanOrEqual(6);
    for (const image of [...fromImages, ...composeImages]) {
      const exact = /^[\w./-]+:v?\d+\.\d+(\.\d+)?([\w.-]*)?(@sha256:[0-9a-f]{64})?$/.test(image);
      const digest = /^[\w./-]+(:[\w.-]+)?@sha256:[0-9a-f]{64}$/.test(image);
      expect({ image, pinned: exact || digest }).toEqual({ image, pinned: true });
    }
  });

  it('mounts the dynamic config into every Temporal service', () => {
    const mounted = Object.values(services).flatMap(
      (s) => JSON.stringify(s).match(/\.\/temporal-dynamic-config\.yaml/g) ?? [],
    );
    expect(mounted.length).toBeGreaterThanOrEqual(4);
  });

  it("runs Prometheus on the workers' /metrics with the alert rules, and Grafana with the dashboard provisioned", () => {
    for (const [, worker] of Object.entries(services).filter(([, s]) => s.build))
      expect(loadWorkerSettings(worker.environment ?? {}).metricsAddress).toBe('0.0.0.0:9464');
    const config = parse(readFileSync(path.join(DEPLOY, 'prometheus/prometheus.yml'), 'utf8')) as {
      rule_files: string[];
      scrape_configs: Array<{ static_configs: Array<{ targets: string[] }> }>;
    };
    expect(config.scrape_configs.flatMap((c) => c.static_configs.flatMap((s) => s.targets))).toEqual([
      'worker-1:9464',
      'worker-2:9464',
    ]);
    const mounts = (name: string) =>
      (services[name]?.volumes ?? []).map((v) => v.split(':')).filter(([from]) => from?.startsWith('./'));
    for (const [from] of [...mounts('prometheus'), ...mounts('grafana')])
      expect(existsSync(path.resolve(DEPLOY, from!))).toBe(true);
    expect(mounts('prometheus').map(([, to]) => to)).toEqual(
      expect.arrayContaining(['/etc/prometheus/prometheus.yml', ...config.rule_files]),
    );
    expect(services.grafana?.ports).toContain('3000:3000');
    expect(dependencies(services.prometheus!)).toEqual({
      'worker-1': 'service_started',
      'worker-2': 'service_started',
    });
  });

  it("the dashboard and the alert rules use only metrics a worker exports (its own, and the SDK core's)", () => {
    const own = new Set(metricsUsed(createWorkerMetrics().registry.render()));
    own.add('wfm_push_sdk_metrics_up'); // served beside the SDK's metrics (worker/metrics-server.ts)
    const { rules, dashboard } = deployedPromql();
    const used = metricsUsed(`${rules}\n${dashboard}`);
    expect(used.filter((n) => n.startsWith('wfm_push_') && !own.has(n))).toEqual([]);
    expect(used.filter((n) => n.startsWith('temporal_') && !sdkCoreDefines(n))).toEqual([]);
    // The dashboard shows every metric of the worker's own.
    expect([...own].filter((n) => !dashboard.includes(n) && n !== 'wfm_push_sdk_metrics_up')).toEqual([]);
  });
});
