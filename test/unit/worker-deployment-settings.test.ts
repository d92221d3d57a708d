import { SettingsError } from '../../common/env';
import { loadWorkerSettings } from '../../worker/settings';

const base = { WFM_BASE_URL: 'http://127.0.0.1:4010', WFM_TOKEN: 't', WFM_PUSH_TASK_QUEUE: 'pushes.eu' };

/** Worker Versioning is opt-in: unversioned unless a deployment name or a build ID is set. */
describe('worker deployment settings', () => {
  it('leaves the worker unversioned by default', () => {
    expect(loadWorkerSettings(base).deployment).toBeUndefined();
  });

  it('names the deployment after the task queue when only the build ID is set', () => {
    expect(loadWorkerSettings({ ...base, WFM_PUSH_BUILD_ID: '2.0.0+abc' }).deployment).toEqual({
      deploymentName: 'pushes-eu',
      buildId: '2.0.0+abc',
    });
  });

  it('takes the package version and the git revision as the build ID when only the deployment is named', () => {
    const { deployment } = loadWorkerSettings({ ...base, WFM_PUSH_DEPLOYMENT_NAME: 'wfm-push' });
    expect(deployment?.deploymentName).toBe('wfm-push');
    // This test runs from a checkout: the revision is known.
    expect(deployment?.buildId).toMatch(/^\d+\.\d+\.\d+\+[0-9a-f]{12}$/);
  });

  it('refuses a deployment name with a dot, naming the variable', () => {
    expect(() => loadWorkerSettings({ ...base, WFM_PUSH_DEPLOYMENT_NAME: 'wfm.push' })).toThrow(
      SettingsError,
    );
    expect(() => loadWorkerSettings({ ...base, WFM_PUSH_DEPLOYMENT_NAME: 'wfm.push' })).toThrow(
      /WFM_PUSH_DEPLOYMENT_NAME/,
    );
  });
});
