import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { freePort, startCliProcess, waitForHttp, type Service } from '../../dev/processes';
import { generateSample } from '../../dev/sample';
import { listen, type RunningSimulator } from '../../dev/simulator/server';
import { WfmSimulator } from '../../dev/simulator/wfm-simulator';
import { bulkPushWorkflowId } from '../../model/names';
import { ensureChromium } from '../support/chromium';
import { runCli } from '../support/run-cli';
import { waitUntil } from '../support/wait-until';

/**
 * The README's "A first push" by hand, as a new user runs it: `wfm-push dev-server`, `wfm-push worker`, `wfm-push push
 * plan.json --wait`, each a process of its own in one working directory and no key configured (the data folder's key,
 * generated on first use). The UI must show the push's payloads decoded (issue 21: it showed ciphertext).
 */
describe('the "Use it" flow: the UI of `wfm-push dev-server` decodes a push started by hand (chromium)', () => {
  const dir = mkdtempSync(path.join(process.env.WFM_PUSH_TEST_DIR ?? os.tmpdir(), 'use-it-'));
  const services: Service[] = [];
  let simulator: RunningSimulator | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    await ensureChromium((line) => process.stderr.write(`${line}\n`));
  }, 20 * 60_000);

  afterAll(async () => {
    await browser?.close();
    // The worker before the server it polls.
    for (const service of services.reverse()) await service.stop(10_000);
    await simulator?.close();
  });

  it('dev-server starts a codec server for its UI; the UI shows the push input decoded', async () => {
    let port = await freePort();
    while ((await freePort(port + 1000)) !== port + 1000) port = await freePort();
    // A shell as the README assumes: no payload key configured, nothing of the test run's environment.
    const env: NodeJS.ProcessEnv = { ...process.env, TEMPORAL_ADDRESS: `127.0.0.1:${port}` };
    delete env.WFM_PUSH_CODEC_KEYS;
    delete env.WFM_PUSH_DATA_DIR;
    const server = startCliProcess(
      'dev-server',
      ['dev-server', '--port', String(port), '--codec-port', '0'],
      env,
      path.join(dir, 'dev-server.log'),
      { cwd: dir, tiedToThisProcess: true },
    );
    services.push(server);
    const ready = await waitUntil(
      'the dev server says it is ready',
      () => /payloads decoded by (http:\/\/\S+)/.exec(readFileSync(server.logFile, 'utf8'))?.[1],
      90_000,
      250,
    );
    const ui = `http://localhost:${port + 1000}`;
    await waitForHttp(ui, { name: 'the Temporal UI', logFile: server.logFile });
    // The UI was told where to decode: what its settings say to the browser.
    const settings = (await (await fetch(`${ui}/api/v1/settings`)).json()) as {
      Codec?: { Endpoint?: string };
    };
    expect(settings.Codec?.Endpoint).toBe(ready);

    const planId = `use-it-${Date.now()}`;
    const { documents, plan } = generateSample({ schedules: 2, agents: 10, idPrefix: planId, planId });
    const sim = new WfmSimulator({});
    sim.store.seed(documents);
    simulator = await listen(sim);
    services.push(
      startCliProcess(
        'worker',
        ['worker'],
        { ...env, WFM_BASE_URL: simulator.url },
        path.join(dir, 'worker.log'),
        { cwd: dir, tiedToThisProcess: true },
      ),
    );
    writeFileSync(path.join(dir, 'plan.json'), JSON.stringify(plan));
    const pushed = await runCli(['push', 'plan.json', '--wait'], env, 120_000, dir);
    expect(pushed.code).toBe(0);

    browser = await chromium.launch({
      executablePath: await ensureChromium(),
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.goto(`${ui}/namespaces/default/workflows/${encodeURIComponent(bulkPushWorkflowId(planId))}`);
    // The workflow's input, decoded: only the codec server can have turned the ciphertext back into it.
    await page.getByText(`"planId": "${planId}"`).first().waitFor({ timeout: 60_000 });
  });
});
