import type { Logger } from '../common/logger';
import { GenesysWfmAdapter } from './genesys/genesys-adapter';
import { GenesysOAuthTokens } from './genesys/oauth';
import type { WfmPort } from './port';
import { AdaptiveRateController } from './rate/adaptive-rate';
import { RestWfmAdapter } from './rest/rest-adapter';
import type { WfmSettings } from './settings';
import { staticToken } from './tokens';

/**
 * The WFM the settings name, behind the port: the one place an adapter is chosen (`WFM_API_STYLE`), the REST contract
 * or Genesys Cloud, each in its own folder. Every adapter of a worker process shares one rate controller: the WFM's
 * limit is per client, not per call.
 */
export function createWfm(settings: WfmSettings, logger: Logger): WfmPort {
  const http = {
    requestTimeoutMs: settings.requestTimeoutMs,
    rate: createRateController(settings, logger),
    rateLimitDeadlineMs: settings.rateLimitDeadlineMs,
    maxResponseBytes: settings.maxResponseBytes,
  };
  if (settings.apiStyle === 'genesys') {
    const tokens = new GenesysOAuthTokens({
      loginBaseUrl: settings.loginBaseUrl,
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      requestTimeoutMs: settings.requestTimeoutMs,
    });
    return new GenesysWfmAdapter({
      ...http,
      apiBaseUrl: settings.apiBaseUrl,
      tokens,
      queryNotifyId: settings.queryNotifyId,
    });
  }
  return new RestWfmAdapter({
    ...http,
    baseUrl: settings.baseUrl,
    tokens: staticToken(settings.token),
    versionIn: settings.versionIn,
  });
}

/** Adaptive by default; `WFM_RATE_LIMIT_PER_SECOND` is a ceiling it never exceeds. Changes are logged. */
export function createRateController(settings: WfmSettings, logger: Logger): AdaptiveRateController {
  return new AdaptiveRateController({
    ceilingPerSecond: settings.rateLimitPerSecond,
    maxPauseMs: settings.maxRetryAfterMs,
    onRateChange: ({ ratePerSecond, reason }) =>
      logger.info({ ratePerSecond, reason }, `WFM request rate now ${ratePerSecond}/s (${reason})`),
    onPauseCapped: ({ askedMs, cappedMs }) =>
      logger.warn(
        { askedMs, cappedMs },
        `the WFM asked to wait ${Math.round(askedMs / 1000)} s (Retry-After); waiting ${Math.round(cappedMs / 1000)} s, the most WFM_MAX_RETRY_AFTER allows`,
      ),
  });
}
