/**
 * What the WFM adapters report for the worker's metrics (`worker/metrics.ts` implements it). Optional everywhere: an
 * adapter without it reports nothing. Only bounded values cross: an HTTP status, a reason, a duration.
 */
export interface WfmMetrics {
  /** One request to the WFM ended: answered with `status`, or `network` (timeout, reset, refused). */
  requestEnded(status: number | 'network', seconds: number): void;
  /** The WFM refused a request (429, or 503 with Retry-After) and the worker paused every request for it. */
  retryAfterPause(): void;
  /** The rate controller whose current rate the worker reports (read at each scrape). */
  rateFrom(read: () => number): void;
  /** Genesys Cloud: a Processing update's notification arrived `seconds` after the update was answered. */
  genesysNotification(seconds: number): void;
  /** Genesys Cloud: a new OAuth token was requested (`expiry`: the cached one was due; `refused`: the API said 401). */
  genesysTokenRenewal(reason: 'expiry' | 'refused'): void;
  /** Genesys Cloud: the notification channel opened again after the first time (reconnected, or a new channel). */
  genesysChannelReconnect(): void;
}
