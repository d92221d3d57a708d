import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import {
  bundleWorkflowCode,
  DefaultLogger,
  Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';

const HISTORIES = path.resolve(__dirname, '../histories');

/**
 * Replays recorded histories (test/histories, made by record.ts) against today's workflow code: a change that would
 * break pushes already running (a non-determinism error) fails here, before it is deployed. No server needed.
 */
describe('workflow code replays recorded histories', () => {
  let bundle: WorkflowBundleWithSourceMap;
  beforeAll(async () => {
    bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../workflows'),
      logger: new DefaultLogger('WARN'),
    });
  });

  const files = readdirSync(HISTORIES).filter((f) => f.endsWith('.json'));

  it('has histories of every path worth guarding', () => {
    for (const kind of [
      'bulk-push-1',
      'bulk-push-cancelled',
      'schedule-push-conflicts',
      'schedule-push-failed',
      'plan-diff',
      'bulk-push-superseded',
      'bulk-push-supersede',
      'schedule-push-taken-over',
    ]) {
      expect(files.some((f) => f.includes(kind))).toBe(true);
    }
  });

  it.each(files)('%s', async (file) => {
    const history = historyFromJSON(JSON.parse(readFileSync(path.join(HISTORIES, file), 'utf8')));
    await Worker.runReplayHistory({ workflowBundle: bundle }, history, file);
  });
});
