import type { z } from 'zod';
import { protocolViolation } from '../failures';

/** A JSON POST for `WfmHttp.send`. */
export function postJson(url: string, body: unknown) {
  return {
    method: 'POST' as const,
    url,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  };
}

/** A Genesys answer checked against its schema; anything else is a protocol violation naming the first problems. */
export function parseAnswer<S extends z.ZodType>(
  what: string,
  schema: S,
  answer: string | { text: string },
): z.infer<S> {
  let json: unknown;
  try {
    json = JSON.parse(typeof answer === 'string' ? answer : answer.text);
  } catch {
    throw protocolViolation(what, 'response body is not JSON');
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.map(String).join('.')}: ${i.message}`);
  throw protocolViolation(what, `unexpected answer (${issues.join('; ')})`);
}
