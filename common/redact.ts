/**
 * A URL as logs, help and errors may show it: `postgres://wfm:***@db:5432/wfm` keeps the user (it names the role in
 * the server's own errors) and hides the password; a user without a password may be a token and is hidden whole. In
 * something that is not a well-formed URL, everything before the last `@` is hidden: a malformed URL may still hold a
 * password.
 */
export function redactUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.password) {
      url.password = '***';
      return url.toString();
    }
    if (!text.includes('@')) return text;
  } catch {
    // Not a URL: hidden by pattern below.
  }
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/)?\S*@/i, '$1(credentials hidden)@');
}
