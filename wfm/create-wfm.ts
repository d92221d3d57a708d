import type { Logger } from '../common/logger';
import type { WfmPort } from './port';
import { AdaptiveRateController } from './rate/adaptive-rate';
import { RestWfmAdapter } from './rest/rest-adapter';
import type { WfmSettings } from './settings';
import { staticToken } from './tokens';

/**
 * The WFM the settings name, behind the port. The one place an adapter is chosen: the REST contract today, Genesys
 * Cloud next, each in its own folder. Every adapter of a worker process shares one rate controller: the WFM's limit
 * is per client, not per call.
 */
export function createWfm(settings: WfmSettings, logger: Logger): WfmPort {
  return new RestWfmAdapter({
    baseUrl: settings.baseUrl,
    tokens: staticToken(settings.token),
    versionIn: settings.versionIn,
    requestTimeoutMs: settings.requestTimeoutMs,
    rate: createRateController(settings, logger),
    rateLimitDeadlineMs: settings.rateLimitDeadlineMs,
    maxResponseBytes: settings.maxResponseBytes,
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
