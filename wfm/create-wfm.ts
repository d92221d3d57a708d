import type { Tracer } from '@opentelemetry/api';
import type { Logger } from '../common/logger';
import { GenesysWfmAdapter } from './genesys/genesys-adapter';
import type { NotificationChannelEvent } from './genesys/notifications';
import { GenesysOAuthTokens } from './genesys/oauth';
import type { WfmPort } from './port';
import { AdaptiveRateController } from './rate/adaptive-rate';
import { RestWfmAdapter } from './rest/rest-adapter';
import type { WfmSettings } from './settings';
import { staticToken } from './tokens';
import { OutboundPolicy } from './url-policy';
import type { WfmMetrics } from './wfm-metrics';

/**
 * The WFM the settings name, behind the port: the one place an adapter is chosen (`WFM_API_STYLE`), the REST contract
 * or Genesys Cloud, each in its own folder. Every adapter of a worker process shares one rate controller: the WFM's
 * limit is per client, not per call. `metrics`: where requests, pauses and the rate are reported (default none);
 * `tracer`: a span per request (default none: tracing off).
 */
export function createWfm(
  settings: WfmSettings,
  logger: Logger,
  metrics?: WfmMetrics,
  tracer?: Tracer,
): WfmPort {
  const rate = createRateController(settings, logger);
  metrics?.rateFrom(() => rate.ratePerSecond);
  const http = {
    requestTimeoutMs: settings.requestTimeoutMs,
    rate,
    rateLimitDeadlineMs: settings.rateLimitDeadlineMs,
    maxResponseBytes: settings.maxResponseBytes,
    metrics,
    tracer,
  };
  if (settings.apiStyle === 'genesys') {
    const tokens = new GenesysOAuthTokens({
      loginBaseUrl: settings.loginBaseUrl,
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      requestTimeoutMs: settings.requestTimeoutMs,
      onRenewal: metrics && ((reason) => metrics.genesysTokenRenewal(reason)),
    });
    let opened = false;
    return new GenesysWfmAdapter({
      ...http,
      apiBaseUrl: settings.apiBaseUrl,
      outbound: genesysOutboundPolicy(settings),
      tokens,
      queryNotifyId: settings.queryNotifyId,
      notifications: {
        onEvent: (event) => {
          if (event.kind === 'open' && opened) metrics?.genesysChannelReconnect();
          if (event.kind === 'open') opened = true;
          logChannelEvent(logger, event);
        },
      },
    });
  }
  return new RestWfmAdapter({
    ...http,
    baseUrl: settings.baseUrl,
    tokens: staticToken(settings.token),
    versionIn: settings.versionIn,
  });
}

/**
 * Where Genesys may send the worker (upload, download and channel URLs): its own API and login hosts, the region's
 * domain or GENESYS_STORAGE_HOSTS, under WFM_ALLOW_INSECURE_HTTP and WFM_ALLOW_PRIVATE_HOSTS.
 */
export function genesysOutboundPolicy(
  settings: Extract<WfmSettings, { apiStyle: 'genesys' }>,
): OutboundPolicy {
  return new OutboundPolicy({
    ownUrls: [settings.apiBaseUrl, settings.loginBaseUrl],
    allowedHosts: settings.outbound.storageHosts,
    allowInsecureHttp: settings.outbound.allowInsecureHttp,
    allowPrivateHosts: settings.outbound.allowPrivateHosts,
  });
}

/** The notification channel's life in the worker's log: a refused topic names what the OAuth client lacks. */
function logChannelEvent(logger: Logger, event: NotificationChannelEvent): void {
  switch (event.kind) {
    case 'open':
      return logger.info(
        `Genesys notification channel ${event.channelId} open (${event.reused ? 'reconnected' : 'new'}, ${event.topics} topics)`,
        { ...event },
      );
    case 'topic-refused':
      return logger.warn(`Genesys refused topic ${event.topic}: ${event.reason}`, { ...event });
    case 'evicted':
      return logger.warn(
        `Genesys notification channel ${event.channelId} is gone (expired, or evicted by a 21st channel of this OAuth client: at most 20 per client); creating a new one`,
        { ...event },
      );
    case 'closed':
      return logger.warn(`Genesys notification channel ${event.channelId} closed: ${event.reason}`, {
        ...event,
      });
    case 'unavailable':
      return logger.warn(
        `Genesys notification channel unavailable (${event.reason}); updates are polled meanwhile`,
        { ...event },
      );
  }
}

/** Adaptive by default; `WFM_RATE_LIMIT_PER_SECOND` is a ceiling it never exceeds. Changes are logged. */
export function createRateController(settings: WfmSettings, logger: Logger): AdaptiveRateController {
  return new AdaptiveRateController({
    ceilingPerSecond: settings.rateLimitPerSecond,
    maxPauseMs: settings.maxRetryAfterMs,
    onRateChange: ({ ratePerSecond, reason }) =>
      logger.info(`WFM request rate now ${ratePerSecond}/s (${reason})`, { ratePerSecond, reason }),
    onPauseCapped: ({ askedMs, cappedMs }) =>
      logger.warn(
        `the WFM asked to wait ${Math.round(askedMs / 1000)} s (Retry-After); waiting ${Math.round(cappedMs / 1000)} s, the most WFM_MAX_RETRY_AFTER allows`,
        { askedMs, cappedMs },
      ),
  });
}
