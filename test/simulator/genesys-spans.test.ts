import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { createGenesysSimulator } from '../../dev/simulator/genesys/genesys-simulator';
import { SIM_CLIENT } from '../../dev/simulator/genesys/options';
import { listenGenesys, type RunningGenesysSimulator } from '../../dev/simulator/genesys/server';
import { GenesysWfmAdapter } from '../../wfm/genesys/genesys-adapter';
import { GenesysOAuthTokens } from '../../wfm/genesys/oauth';
import { AdaptiveRateController } from '../../wfm/rate/adaptive-rate';
import { rebase } from '../../wfm/rebase';

/**
 * With a tracer, the Genesys adapter makes one span per API request (the OAuth token request is not an API call), each
 * named by its route template and carrying the ININ-Correlation-ID the simulator logged for that request: what Genesys
 * support asks for, found from the trace. No ID of a business unit, week, schedule or agent is in any span.
 */
describe('WFM request spans against the Genesys simulator', () => {
  let running: RunningGenesysSimulator | undefined;
  let adapter: GenesysWfmAdapter | undefined;
  afterEach(async () => {
    await adapter?.close();
    await running?.close();
  });

  it('carries method, route template, status and correlation ID of every request', async () => {
    const sim = createGenesysSimulator({ processingDelayMs: 30 });
    running = await listenGenesys(sim);
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const schedule = sim.store.allSchedules()[0]!;
    const agentIds = [...schedule.agents.keys()].slice(0, 3);
    adapter = new GenesysWfmAdapter({
      apiBaseUrl: running.url,
      tokens: new GenesysOAuthTokens({
        loginBaseUrl: running.url,
        clientId: SIM_CLIENT.id,
        clientSecret: SIM_CLIENT.secret,
      }),
      rate: new AdaptiveRateController(),
      asyncPollMs: 50,
      asyncWaitMs: 5_000,
      queryNotifyId: SIM_CLIENT.id,
      tracer: provider.getTracer('test'),
    });
    const target = {
      scheduleId: schedule.id,
      businessUnitId: schedule.businessUnitId,
      weekId: schedule.weekId,
      agentIds,
    };
    const read = await adapter.readSchedule(target);
    const planned = [{ start: '2026-03-03T15:00:00Z', lengthMinutes: 240, activityCode: '0' }];
    const { changes } = rebase(read.agents, [{ agentId: agentIds[0]!, shifts: planned }]);
    await adapter.writeAgents(read, changes);

    const spans = exporter.getFinishedSpans();
    const api = sim.requests.filter((r) => r.path.startsWith('/api/v2/') && !r.lostResponse);
    const apiSpans = spans.filter((s) => s.attributes['http.route'] !== '{signed URL}');
    // One span per API request, in the order sent, with the status and correlation ID the simulator logged for it.
    expect(
      apiSpans.map((s) => [
        s.attributes['http.request.method'],
        s.attributes['http.response.status_code'],
        s.attributes['wfm.correlation_id'],
      ]),
    ).toEqual(api.map((r) => [r.method, r.status, r.correlationId]));
    expect(apiSpans.map((s) => s.name)).toContain(
      'POST /api/v2/workforcemanagement/businessunits/{businessUnitId}/weeks/{weekId}/schedules/{scheduleId}/update',
    );
    // The signed upload (and any download) is named by no path of its own.
    expect(spans.some((s) => s.name === 'PUT {signed URL}')).toBe(true);
    const text = JSON.stringify(spans.map((s) => ({ name: s.name, attributes: s.attributes })));
    for (const id of [schedule.id, schedule.businessUnitId, schedule.weekId, ...agentIds])
      expect(text).not.toContain(id);
    await provider.shutdown();
  });
});
