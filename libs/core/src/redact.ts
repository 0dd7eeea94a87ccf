/** REDACTED stands in for a secret wherever a URL is logged or put in an error. */
export const REDACTED = '***';

// Query parameters that carry secrets by their name (`?password=`, `?access_token=`, `?api_key=`).
const SECRET_PARAM = /([?&][^=&#]*(?:pass|pwd|secret|token|key|auth)[^=&#]*=)[^&#]*/gi;

/**
 * redactUrl returns a URL fit for logs and errors: the password of its user info and the values of query parameters
 * named like secrets replaced by `***`, the user name kept. It takes any text that was meant as one URL, also one
 * that does not parse, as a config error must not echo the secret it rejects. The user info ends at the last `@`,
 * so a password with a stray `@`, `/` or `#` is hidden whole; a URL with a port and an `@` further on (in its query,
 * say) loses more than its password, which is the safe side to err on.
 */
export function redactUrl(url: string): string {
  const start = url.indexOf('://');
  const at = url.lastIndexOf('@');
  const colon = start < 0 ? -1 : url.indexOf(':', start + 3);
  const out = colon >= 0 && colon < at ? `${url.slice(0, colon + 1)}${REDACTED}${url.slice(at)}` : url;
  return out.replace(SECRET_PARAM, `$1${REDACTED}`);
}
