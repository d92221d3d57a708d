import { ApplicationFailure } from '@temporalio/common';
import { createGenesysSimulator } from '../../dev/simulator/genesys/genesys-simulator';
import { SIM_CLIENT } from '../../dev/simulator/genesys/options';
import { listenGenesys } from '../../dev/simulator/genesys/server';
import { freePort } from '../../dev/processes';
import { listen } from '../../dev/simulator/server';
import { WfmSimulator } from '../../dev/simulator/wfm-simulator';
import { FailureType } from '../../model/failures';
import { GenesysWfmAdapter } from '../../wfm/genesys/genesys-adapter';
import { GenesysOAuthTokens } from '../../wfm/genesys/oauth';
import { RestWfmAdapter } from '../../wfm/rest/rest-adapter';
import { staticToken } from '../../wfm/tokens';

/** What a worker's check at start finds: the WFM answers and takes the credentials, or what stands in the way. */
describe('the WFM check a worker runs at start', () => {
  const failureOf = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (err: unknown) => (err instanceof ApplicationFailure ? err : undefined),
    );

  it('REST: reached with a good token; a refused token and a dead port are named', async () => {
    const running = await listen(new WfmSimulator({ tokens: ['good'] }));
    try {
      const adapter = (token: string, baseUrl = running.url) =>
        new RestWfmAdapter({ baseUrl, tokens: staticToken(token) });
      await expect(adapter('good').checkReach()).resolves.toMatch(/answers and accepts the token$/);
      expect(await failureOf(adapter('bad').checkReach())).toMatchObject({ type: FailureType.Unauthorized });
      const dead = await freePort();
      const unreachable = await failureOf(adapter('good', `http://127.0.0.1:${dead}`).checkReach());
      expect(unreachable?.type).toBe(FailureType.Transient);
      expect(unreachable?.message).toContain(`WFM unreachable: connection refused by 127.0.0.1:${dead}`);
    } finally {
      await running.close();
    }
  });

  it('Genesys Cloud: a token for the OAuth client, or the refusal', async () => {
    const running = await listenGenesys(createGenesysSimulator({}));
    const adapter = (clientSecret: string) =>
      new GenesysWfmAdapter({
        apiBaseUrl: running.url,
        tokens: new GenesysOAuthTokens({ loginBaseUrl: running.url, clientId: SIM_CLIENT.id, clientSecret }),
        notifications: false,
      });
    try {
      await expect(adapter(SIM_CLIENT.secret).checkReach()).resolves.toMatch(
        /granted the OAuth client a token/,
      );
      const refused = await failureOf(adapter('wrong-secret').checkReach());
      expect(refused?.type).toBe(FailureType.Unauthorized);
    } finally {
      await running.close();
    }
  });
});
