import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freePort, waitForHttp } from '../../dev/processes';
import { submitPush, waitForReport } from '../../client/push-client';
import { startDevServer, type DevServer } from '../../dev/temporal-dev-server';
import { bulkPushWorkflowId, schedulePushWorkflowId } from '../../model/names';
import type { Plan } from '../../model/plan';
import type { PushReport } from '../../model/report';
import { generateSample } from '../../dev/sample';
import { ensureChromium } from '../support/chromium';
import { CODEC_KEYS, Harness } from '../support/harness';
import { startCodecServer, type RunningCodecServer } from '../../client/codec-server';
import { AesGcmCodec, ENCRYPTED_ENCODING, parseCodecKeys } from '../../common/codec';
import { eventually, waitUntil } from '../support/wait-until';

const ARTIFACTS = path.join(__dirname, '..', 'artifacts');

/** Rows of the UI's workflow list (Temporal UI 2.54, shipped with the pinned CLI 1.9.1). */
const WORKFLOW_ROW = 'workflows-summary-configurable-table-row';

describe('operators find a push in the Temporal UI (own dev server with UI, chromium)', () => {
  let server: DevServer;
  let codecServer: RunningCodecServer;
  let h: Harness;
  let browser: Browser;
  let page: Page;
  let chromiumPath: string;
  const planId = `ui-${randomUUID().slice(0, 6)}`;
  let report: PushReport;
  let failedId: string;
  let landedIds: string[];
  let pushed: Plan | undefined;
  const plan = (): Plan => {
    if (!pushed) throw new Error('the push did not run');
    return pushed;
  };

  // apt-get may have to fetch chromium and its libraries first.
  beforeAll(async () => {
    chromiumPath = await ensureChromium((line) => process.stderr.write(`${line}\n`));
  }, 20 * 60_000);

  beforeAll(async () => {
    // The run's shared server is headless; the UI needs a server of its own, with the UI on port + 1000.
    let port = await freePort();
    while ((await freePort(port + 1000)) !== port + 1000) port = await freePort();
    const dbFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'wfm-push-ui-')), 'temporal.sqlite');
    // Payloads are encrypted; the UI reads them through the codec server, as an operator's would.
    codecServer = await startCodecServer({
      codec: new AesGcmCodec(parseCodecKeys(CODEC_KEYS, 'test')),
      port: 0,
      origins: [`http://localhost:${port + 1000}`],
    });
    server = await startDevServer({ port, headless: false, dbFile, uiCodecEndpoint: codecServer.url });
    if (!server.uiUrl) throw new Error('the dev server was started without its UI');
    // The health check covers gRPC only; the UI may answer a moment later.
    await waitForHttp(server.uiUrl, { name: 'the Temporal UI', logFile: `${dbFile}.log` });

    h = await Harness.create(server.address);

    // The third schedule does not exist in the WFM: it fails with a 404, the others land.
    const { documents, plan } = generateSample({ schedules: 5, agents: 25, idPrefix: planId, planId });
    pushed = plan;
    const simulator = await h.startSimulator(
      {},
      documents.filter((_, i) => i !== 2),
    );
    const queue = h.uniqueQueue('ui');
    await h.startWorkers(h.settings(queue, simulator.url));
    const ctx = h.context(queue);
    await submitPush(ctx, plan);
    report = await waitForReport(ctx, plan.planId);
    const ids = plan.schedules.map((s) => schedulePushWorkflowId(s.scheduleId));
    failedId = ids[2] ?? '';
    landedIds = ids.filter((id) => id !== failedId);

    browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  });

  afterAll(async () => {
    await browser?.close();
    await h?.teardown();
    await server?.stop();
    await codecServer?.close();
  });

  /**
   * Opens the workflow list filtered by `query` and returns the workflow IDs it shows, once they are `expected` (the
   * list loads asynchronously) or after 30 s, so that a mismatch fails with a diff of what the operator sees.
   */
  async function listedWorkflowIds(query: string, expected: string[]): Promise<string[]> {
    await page.goto(`${server.uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(query)}`);
    let listed: string[] = [];
    const want = [...expected].sort().join('\n');
    await waitUntil(
      `the UI lists ${expected.length} workflows for ${query}`,
      async () => {
        // The row's links are the workflow ID, the run ID and the type; only the first reads like our IDs.
        const texts = await page.getByTestId(WORKFLOW_ROW).getByRole('link').allInnerTexts();
        listed = texts.map((t) => t.trim()).filter((t) => /^(bulk|schedule)-push:/.test(t));
        return [...listed].sort().join('\n') === want;
      },
      30_000,
    ).catch(() => undefined); // the caller's assertion reports what the UI showed instead
    return listed.sort();
  }

  it('pushes one failing and four landing schedules', () => {
    expect(report.totals).toMatchObject({ schedules: 5, schedulesDone: 5, schedulesFailed: 1 });
    const failed = report.schedules.filter((s) => s.outcome === 'failed');
    expect(failed.map((s) => schedulePushWorkflowId(s.scheduleId))).toEqual([failedId]);
    expect(failed[0]?.failure?.message).toContain('does not exist');
  });

  it('lists the push and every schedule workflow under BulkPushId', async () => {
    const all = [bulkPushWorkflowId(planId), failedId, ...landedIds];
    expect(await listedWorkflowIds(`BulkPushId="${planId}"`, all)).toEqual([...all].sort());

    const screenshot = path.join(ARTIFACTS, `temporal-ui-${planId}.png`);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    expect(existsSync(screenshot)).toBe(true);
  });

  it('PushOutcome="failed" lists exactly the failed schedule', async () => {
    const query = `BulkPushId="${planId}" AND PushOutcome="failed"`;
    expect(await listedWorkflowIds(query, [failedId])).toEqual([failedId]);
  });

  it('the failed schedule is a Failed workflow, so the UI status filter finds it too', async () => {
    const query = `BulkPushId="${planId}" AND ExecutionStatus="Failed"`;
    expect(await listedWorkflowIds(query, [failedId])).toEqual([failedId]);
  });

  it('PushOutcome="landed" lists the other schedules', async () => {
    const query = `BulkPushId="${planId}" AND PushOutcome="landed"`;
    expect(await listedWorkflowIds(query, landedIds)).toEqual([...landedIds].sort());
  });

  it('Temporal holds the summary encrypted; the UI shows it decoded through the codec server', async () => {
    const landed = plan().schedules.find((s) => landedIds.includes(schedulePushWorkflowId(s.scheduleId)));
    const workflowId = schedulePushWorkflowId(landed?.scheduleId ?? '');
    const raw = await h.client.workflowService.describeWorkflowExecution({
      namespace: 'default',
      execution: { workflowId },
    });
    const stored = raw.executionConfig?.userMetadata?.summary;
    expect(Buffer.from(stored?.metadata?.encoding ?? []).toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(stored?.data ?? []).toString()).not.toContain(planId);

    const summary = `Push ${landed?.agents.length} agents of plan ${planId} into schedule ${landed?.scheduleId}`;
    await page.goto(`${server.uiUrl}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`);
    // The input, decoded: only the codec server can have turned the ciphertext back into it.
    await page.getByText(`"scheduleId": "${landed?.scheduleId}"`).first().waitFor({ timeout: 30_000 });
    await page.getByRole('tab', { name: 'User Metadata' }).click();
    // The UI renders summaries (markdown) in sandboxed frames.
    const shownText = async () =>
      (
        await Promise.all(
          page.frames().map((f) =>
            f
              .locator('body')
              .innerText()
              .catch(() => ''),
          ),
        )
      ).join('\n');
    await eventually(async () => expect(await shownText()).toContain(summary), 30_000);
    await page.screenshot({
      path: path.join(ARTIFACTS, `temporal-ui-${planId}-decoded.png`),
      fullPage: true,
    });
  });
});
