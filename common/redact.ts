/** Query parameters that may carry a secret (`?password=` is as good as the URL's own password to `pg`). */
const SECRET_PARAM = /pass|secret|token|key/i;

/**
 * A URL as logs, help and errors may show it: `postgres://wfm:***@db:5432/wfm` keeps the user (it names the role in
 * the server's own errors) and hides the password and secret-looking query parameters; a user without a password may
 * be a token and is hidden too. In something that is not a well-formed URL, everything before the last `@` is hidden:
 * a malformed URL may still hold a password.
 */
export function redactUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return hideUserInfo(text);
  }
  // `user:password@host/path` without a scheme parses as scheme `user`, path `password@host/path`.
  if (url.pathname.includes('@')) return hideUserInfo(text);
  let changed = false;
  for (const name of [...url.searchParams.keys()]) {
    if (!SECRET_PARAM.test(name)) continue;
    url.searchParams.set(name, '***');
    changed = true;
  }
  if (url.password) url.password = '***';
  else if (url.username) url.username = '***';
  return changed || url.username ? url.toString() : text;
}

function hideUserInfo(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/)?\S*@/i, '$1(credentials hidden)@');
}

/**
 * Free text with every URL's credentials (`scheme://user:token@host`) hidden: for messages that may quote a URL
 * someone typed or a library echoed (fetch names the whole URL when it refuses one with credentials).
 */
export function redactUrlCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"']+@/gi, '$1***@');
}
