// Its own module: workflows show origins, and the workflow bundle must not pull in zod with model/push-notice.ts.
/** A URL as logs and details may show it: scheme, host and port only. */
export function urlOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}
