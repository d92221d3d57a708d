import { Harness } from '../support/harness';
import { rolloutKeepsRunningPushOnItsBuild } from '../support/versioning-rollout';

/** Worker Versioning on the run's real dev server (the same rollout runs on the cluster: test/cluster/). */
describe('worker versioning on the dev server', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.create();
  });
  afterEach(() => h.afterEach());
  afterAll(() => h.teardown());

  it('pins a push to build A across a rollout to B, children and continue-as-new included; a new push runs on B', () =>
    rolloutKeepsRunningPushOnItsBuild(h, process.env.TEMPORAL_ADDRESS ?? ''));
});
