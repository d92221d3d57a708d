import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { parse, stringify } from 'yaml';
import { submitPush, waitForReport } from '../../client/push-client';
import { freePort, startCliProcess, waitForHttp, type Service } from '../../dev/processes';
import {
  ensurePrometheus,
  promtool,
  startThrowawayPrometheus,
  type ThrowawayPrometheus,
} from '../infra/prometheus';
import { ensureChromium } from '../support/chromium';
import { Harness } from '../support/harness';
import { eventually } from '../support/wait-until';

const DEPLOY = path.resolve(__dirname, '../../deploy/prometheus');
const ARTIFACTS = path.resolve(__dirname, '../artifacts');

/**
 * Slow lane: Debian's Prometheus (installed by `ensurePrometheus` when missing) checks the deployment's rules and
 * config, and a real Prometheus scrapes a worker process through a push and answers the queries the dashboard asks.
 */
describe('Prometheus (Debian package) against the deployment files and a worker', () => {
  let h: Harness;
  const processes: Service[] = [];
  let prometheus: ThrowawayPrometheus | undefined;
  beforeAll(async () => {
    h = await Harness.create();
  });
  afterEach(async () => {
    await prometheus?.stop();
    prometheus = undefined;
    await Promise.all(processes.splice(0).map((p) => p.stop(5_000)));
    await h.afterEach();
  });
  afterAll(() => h.teardown());

  it('promtool accepts the alert rules and the Prometheus config of deploy/', async () => {
    const bin = await ensurePrometheus();
    const rules = path.join(DEPLOY, 'alerts.yml');
    expect(await promtool(bin, ['check', 'rules', rules])).toMatch(/SUCCESS: 6 rules found/);
    // The config names the rules where the container mounts them; here they are where the repository has them.
    const config = parse(readFileSync(path.join(DEPLOY, 'prometheus.yml'), 'utf8')) as Record<
      string,
      unknown
    >;
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'wfm-push-promcfg-')), 'prometheus.yml');
    writeFileSync(file, stringify({ ...config, rule_files: [rules] }));
    expect(await promtool(bin, ['check', 'config', file])).toMatch(/SUCCESS/);
  });

  it('the alerts fire when they should and stay quiet otherwise (promtool test rules, synthetic series)', async () => {
    const bin = await ensurePrometheus();
    const dir = mkdtempSync(path.join(tmpdir(), 'wfm-push-promtest-'));
    const w1 = 'instance="w1:9464", job="wfm-push-worker"';
    const w2 = 'instance="w2:9464", job="wfm-push-worker"';
    const w3 = 'instance="w3:9464", job="wfm-push-worker"';
    const tests = {
      rule_files: [path.join(dir, 'alerts.yml')],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [
            // w1 syncs 3 schedules for 30 minutes and records nothing: no progress, alerted after 15 minutes.
            { series: `wfm_push_syncs_in_flight{${w1}}`, values: '3x30' },
            { series: `wfm_push_schedules_total{${w1}, outcome="landed"}`, values: '0x30' },
            { series: `wfm_push_agents_total{${w1}, outcome="applied"}`, values: '0x30' },
            // 30 % of w2's answers are 429 throughout; w1's none.
            { series: `wfm_push_wfm_requests_total{${w2}, status="200"}`, values: '0+70x30' },
            { series: `wfm_push_wfm_requests_total{${w2}, status="429"}`, values: '0+30x30' },
            { series: `wfm_push_wfm_requests_total{${w1}, status="200"}`, values: '0+10x30' },
            // w3 serves two tenants: 30 % of acme's answers are 429, globex's none; 5 % of w3's answers in all.
            { series: `wfm_push_wfm_requests_total{${w3}, status="200", tenant="acme"}`, values: '0+70x30' },
            { series: `wfm_push_wfm_requests_total{${w3}, status="429", tenant="acme"}`, values: '0+30x30' },
            {
              series: `wfm_push_wfm_requests_total{${w3}, status="200", tenant="globex"}`,
              values: '0+500x30',
            },
            { series: `wfm_push_schedule_failures_total{${w2}, type="Rejected"}`, values: '0 0 0 1 1 1' },
            { series: `up{${w1}}`, values: '1x30' },
            { series: `up{${w2}}`, values: '1x10 0x20' },
          ],
          alert_rule_test: [
            { eval_time: '10m', alertname: 'WfmPushNoProgress', exp_alerts: [] },
            {
              eval_time: '25m',
              alertname: 'WfmPushNoProgress',
              exp_alerts: [{ exp_labels: { severity: 'page' } }],
            },
            {
              eval_time: '20m',
              alertname: 'WfmPushThrottled',
              exp_alerts: [
                { exp_labels: { severity: 'ticket', instance: 'w2:9464' } },
                // Per tenant: acme's storm is not hidden among globex's calm answers.
                { exp_labels: { severity: 'ticket', instance: 'w3:9464', tenant: 'acme' } },
              ],
            },
            {
              eval_time: '4m',
              alertname: 'WfmPushRefused',
              exp_alerts: [{ exp_labels: { severity: 'ticket', type: 'Rejected' } }],
            },
            {
              eval_time: '14m',
              alertname: 'WfmPushWorkerDown',
              exp_alerts: [{ exp_labels: { severity: 'page', instance: 'w2:9464', job: 'wfm-push-worker' } }],
            },
            { eval_time: '5m', alertname: 'WfmPushWorkerDown', exp_alerts: [] },
          ],
        },
      ],
    };
    // promtool compares annotations too; the expressions and their `for` are what is tested here.
    const rules = parse(readFileSync(path.join(DEPLOY, 'alerts.yml'), 'utf8')) as {
      groups: Array<{ rules: Array<Record<string, unknown>> }>;
    };
    for (const group of rules.groups) for (const rule of group.rules) delete rule.annotations;
    writeFileSync(path.join(dir, 'alerts.yml'), stringify(rules));
    const file = path.join(dir, 'alerts.test.yml');
    writeFileSync(file, stringify(tests));
    expect(await promtool(bin, ['test', 'rules', file])).toMatch(/SUCCESS/);
  });

  it('a real Prometheus scrapes a worker through a push: request rate, agents landed, a valid exposition', async () => {
    const { plan, ctx, env } = await h.scenario('prometheus', {
      schedules: 12,
      agents: 120,
      simulator: { latencyMs: 5, conflictRate: 0.3, rateLimitPerSecond: 8, rateLimitBurst: 3 },
      startWorkers: false,
    });
    const port = await freePort();
    const target = `127.0.0.1:${port}`;
    const worker = startCliProcess(
      'prometheus-worker',
      ['worker'],
      { ...process.env, ...env, WFM_PUSH_METRICS_ADDRESS: target },
      path.join(h.dataDir, 'prometheus-worker.log'),
    );
    processes.push(worker);
    await waitForHttp(`http://${target}/metrics`, worker);
    prometheus = await startThrowawayPrometheus({
      targets: [target],
      scrapeIntervalSeconds: 1,
      ruleFiles: [path.join(DEPLOY, 'alerts.yml')],
    });
    const p = prometheus;
    await eventually(async () => expect(await p.query('up{job="wfm-push-worker"}')).toHaveLength(1), 30_000);

    await submitPush(ctx, plan, { maxInFlight: 4 });
    const report = await waitForReport(ctx, plan.planId);
    expect(report.totals).toMatchObject({ schedulesDone: 12, schedulesFailed: 0 });

    await eventually(async () => {
      const [rate] = await p.query('sum(rate(wfm_push_wfm_requests_total[1m]))');
      expect(Number(rate?.value[1])).toBeGreaterThan(0);
      const [applied] = await p.query('sum(wfm_push_agents_total{outcome="applied"})');
      expect(Number(applied?.value[1])).toBe(report.totals.agentsChanged);
      const [schedules] = await p.query('sum(wfm_push_schedules_total)');
      expect(Number(schedules?.value[1])).toBe(12);
    }, 30_000);
    // The SDK's metrics arrive through the same target.
    expect((await p.query('sum(temporal_workflow_completed_total)')).length).toBe(1);
    // No alert of deploy/ fires for a push that went well.
    const alerts = (await (await fetch(`${p.url}/api/v1/alerts`)).json()) as {
      data: { alerts: Array<{ labels: { alertname: string }; state: string }> };
    };
    expect(alerts.data.alerts.filter((a) => a.state === 'firing').map((a) => a.labels.alertname)).toEqual([]);

    // What an operator sees: the Prometheus graph of the push (agents landed per minute), in headless Chromium.
    const screenshot = path.join(ARTIFACTS, `prometheus-${plan.planId}.png`);
    await graphScreenshot(p.url, 'sum by (outcome) (rate(wfm_push_agents_total[1m])) * 60', screenshot);
    expect(existsSync(screenshot)).toBe(true);

    // promtool lints the exposition as Prometheus reads it (names, types, HELP, histogram series).
    const text = await (await fetch(`http://${target}/metrics`)).text();
    await promtool(await ensurePrometheus(), ['check', 'metrics'], text);
  });
});

/** Opens Prometheus's graph of `expr` over the last minute and saves a screenshot once the chart is drawn. */
async function graphScreenshot(prometheusUrl: string, expr: string, file: string): Promise<void> {
  const browser = await chromium.launch({
    executablePath: await ensureChromium(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 800 } });
    const query = new URLSearchParams({ 'g0.expr': expr, 'g0.tab': '0', 'g0.range_input': '1m' });
    await page.goto(`${prometheusUrl}/graph?${query.toString()}`);
    // The React UI draws on a canvas; Debian's package ships the classic UI (/classic/graph), which draws SVG paths.
    await page
      .locator('.graph-chart canvas, .rickshaw_graph svg path')
      .first()
      .waitFor({ state: 'attached', timeout: 30_000 });
    mkdirSync(path.dirname(file), { recursive: true });
    await page.screenshot({ path: file, fullPage: true });
  } finally {
    await browser.close();
  }
}
