/**
 * A request's route template for traces: the path with every identifier replaced by a named placeholder, no query and
 * no host-chosen path (`PUT /api/v2/wfm/schedules/{scheduleId}`). A span name or attribute must not carry schedule,
 * agent or business-unit IDs (unbounded, and names of people's plans), nor a signed URL's signature.
 */
const ID_AFTER: Readonly<Record<string, string>> = {
  schedules: '{scheduleId}',
  businessunits: '{businessUnitId}',
  managementunits: '{managementUnitId}',
  weeks: '{weekId}',
  channels: '{channelId}',
  users: '{userId}',
  agents: '{agentId}',
  activitycodes: '{activityCodeId}',
};

/** A literal path word of the WFM APIs (`api`, `v2`, `workforcemanagement`, `uploadurl`), not an identifier. */
const LITERAL = /^(?:[a-z]+|v\d+)$/;

/**
 * `signed`: a URL the WFM handed over (upload, download), whose path is its own; its route is `{signed URL}`.
 */
export function routeTemplate(url: string, signed = false): string {
  if (signed) return '{signed URL}';
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return '{unparsable URL}';
  }
  const segments = path.split('/');
  return segments
    .map((segment, i) => {
      if (segment === '') return segment;
      const previous = segments[i - 1] ?? '';
      const named = ID_AFTER[previous.toLowerCase()];
      if (named !== undefined) return named;
      return LITERAL.test(segment) ? segment : '{id}';
    })
    .join('/');
}
