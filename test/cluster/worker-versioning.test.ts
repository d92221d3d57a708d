import os from 'node:os';
import path from 'node:path';
import { startTemporalCluster, type TemporalCluster } from '../infra/temporal-cluster';
import { Harness } from '../support/harness';
import { rolloutKeepsRunningPushOnItsBuild } from '../support/versioning-rollout';

/**
 * The README's versioned rollout on the production shape: a Temporal cluster (server 1.32 built from source, four
 * services on PostgreSQL, its dynamic config at the release's defaults, as deploy/ runs it).
 */
describe('worker versioning on a Temporal cluster', () => {
  let cluster: TemporalCluster;
  let h: Harness;
  beforeAll(async () => {
    // The first run on a machine builds the server from the Go module proxy (about 8 minutes on 2 cores).
    cluster = await startTemporalCluster({
      dir: path.join(process.env.WFM_PUSH_TEST_DIR ?? os.tmpdir(), 'versioning-cluster'),
      cliPath: process.env.TEMPORAL_CLI_PATH,
      log: (line) => process.stderr.write(`${line}\n`),
    });
    h = await Harness.create(cluster.address);
  }, 20 * 60_000);
  afterEach(() => h?.afterEach());
  afterAll(async () => {
    await h?.teardown();
    await cluster?.stop();
  });

  it('pins a push to build A across a rollout to B, children and continue-as-new included; a new push runs on B', () =>
    rolloutKeepsRunningPushOnItsBuild(h, cluster.address));
});
