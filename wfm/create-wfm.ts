import { RequestPacer } from './pacer';
import type { WfmPort } from './port';
import { RestWfmAdapter } from './rest/rest-adapter';
import type { WfmSettings } from './settings';
import { staticToken } from './tokens';

/**
 * The WFM the settings name, behind the port. The one place an adapter is chosen: the REST contract today, Genesys
 * Cloud next, each in its own folder.
 */
export function createWfm(settings: WfmSettings): WfmPort {
  const rate = settings.rateLimitPerSecond;
  return new RestWfmAdapter({
    baseUrl: settings.baseUrl,
    tokens: staticToken(settings.token),
    versionIn: settings.versionIn,
    requestTimeoutMs: settings.requestTimeoutMs,
    pacer: rate === undefined ? undefined : new RequestPacer({ ratePerSecond: rate }),
  });
}
