import { createGenesysSimulator } from '../../dev/simulator/genesys/genesys-simulator';
import { SIM_CLIENT } from '../../dev/simulator/genesys/options';
import { listenGenesys } from '../../dev/simulator/genesys/server';
import { checkGenesysOrg, formatCheck } from '../../wfm/genesys/org-check';
import { GenesysOAuthTokens } from '../../wfm/genesys/oauth';

/** `wfm-push genesys check` against the simulator: every probe answers, and the write probes change nothing. */
describe('genesys check against the Genesys simulator', () => {
  it('checks client, schedule, channel, subscriptions, both query modes and, with a test agent, the write facts', async () => {
    const sim = createGenesysSimulator({
      seed: { published: false },
      downloadsGzipped: true,
      agentConflictSyncShare: 0.5,
    });
    const running = await listenGenesys(sim);
    try {
      const schedule = sim.store.allSchedules()[0];
      if (!schedule) throw new Error('no schedule');
      const [agent] = schedule.agents.values();
      const shiftsBefore = structuredClone(agent?.shifts);
      const lines = await checkGenesysOrg({
        apiBaseUrl: running.url,
        loginBaseUrl: running.url,
        clientId: SIM_CLIENT.id,
        tokens: new GenesysOAuthTokens({
          loginBaseUrl: running.url,
          clientId: SIM_CLIENT.id,
          clientSecret: SIM_CLIENT.secret,
        }),
        queryNotifyId: SIM_CLIENT.id,
        businessUnitId: schedule.businessUnitId,
        weekId: schedule.weekId,
        writeTestAgent: agent?.userId,
        waitMs: 5_000,
      });
      const text = formatCheck(lines);
      expect(lines.filter((l) => l.result === 'failed')).toEqual([]);
      expect(lines.map((l) => l.probe)).toEqual([
        'oauth',
        'business unit',
        'schedule',
        'subscription',
        'subscription',
        'query forceAsync',
        'query forceDownloadService',
        'upload url',
        'no-op update',
        'schedule version',
        'stale schedule version',
        'stale agent version',
      ]);
      expect(text).toMatch(/query forceAsync +answered Processing, notified after \d+ ms; .* gzip/);
      expect(text).toMatch(/upload url +host .*, header names: /);
      expect(text).toMatch(/stale schedule version +refused at once: VersionConflict/);
      expect(text).toMatch(/stale agent version +(refused at once|Processing, then Error by notification)/);
      // A no-op update: the agent holds what it held.
      expect(agent?.shifts).toEqual(shiftsBefore);
    } finally {
      await running.close();
    }
  });
});
