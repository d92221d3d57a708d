import { withoutControlCharacters } from '../common/text';

/** The most of a server's text kept anywhere (history, logs, results, reports), in UTF-8 bytes. */
export const MAX_SERVER_TEXT_BYTES = 500;

/** Only this much of a body is even looked at: a 1 MB error page is not worth scanning whole. */
const SCAN_CHARS = 16_384;

const REDACTED = '[redacted]';

/** Credentials as they show up in error bodies that echo a request: headers, bearer tokens, JWTs, key=value pairs. */
const CREDENTIAL_PATTERNS: Array<[RegExp, string]> = [
  [/\b((?:proxy-)?authorization)(["']?\s*[:=]\s*["']?)[^"'\r\n,}]*/gi, `$1$2${REDACTED}`],
  [/\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{6,}/gi, `$1 ${REDACTED}`],
  [/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, REDACTED],
  [
    /\b(access_token|refresh_token|id_token|client_secret|client_id|password|passwd|api[_-]?key|secret)(["']?\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s,&}"']+)/gi,
    `$1$2${REDACTED}`,
  ],
];

/**
 * A server's text made fit to store and show: known secrets and anything that looks like a credential redacted,
 * terminal escapes and control characters removed, whitespace folded, and at most MAX_SERVER_TEXT_BYTES kept.
 * Server text is data from outside: it never reaches history, logs, the result store or a terminal unfiltered.
 */
export function cleanServerText(text: string, secrets: readonly string[] = []): string {
  const scanned = text.length > SCAN_CHARS ? text.slice(0, SCAN_CHARS) : text;
  let out = scanned;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join(REDACTED);
  for (const [pattern, replacement] of CREDENTIAL_PATTERNS) out = out.replace(pattern, replacement);
  out = withoutControlCharacters(out).replace(/\s+/g, ' ').trim();
  return capBytes(out, MAX_SERVER_TEXT_BYTES, Buffer.byteLength(text) - Buffer.byteLength(scanned));
}

function capBytes(text: string, maxBytes: number, droppedBefore: number): string {
  const bytes = Buffer.from(text, 'utf8');
  const dropped = droppedBefore + Math.max(0, bytes.length - maxBytes);
  if (dropped === 0) return text;
  // Cut on a character boundary: decoding a cut multi-byte character would leave a replacement mark.
  let end = Math.min(bytes.length, maxBytes);
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return `${bytes.subarray(0, end).toString('utf8')}… (${dropped} more bytes)`;
}
