// Talks to the console's JSON API. Paths are relative, so the console also works behind a reverse proxy under a
// path. Writes carry the bearer token, asked for once and kept for this browser tab only (sessionStorage).

const TOKEN_KEY = 'callwatch.console.token';

/** ApiError is a refused or failed request; its message is the server's own error text. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function send(method, path, { body, token } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    throw new ApiError(0, `the console did not answer ${method} ${path}: ${err.message}`);
  }
  const text = await response.text();
  let data = null;
  try {
    data = text === '' ? null : JSON.parse(text);
  } catch {
    if (response.ok) throw new ApiError(response.status, `${method} ${path} answered something that is not JSON`);
  }
  if (!response.ok) {
    const reason = data && typeof data.error === 'string' ? data.error : text || response.statusText;
    throw new ApiError(response.status, `${reason} (HTTP ${response.status})`);
  }
  return data;
}

/** get reads one API path, with the stored token when there is one (reads need it off loopback). */
export const get = (path) => send('GET', path, { token: storedToken() });

export const storedToken = () => sessionStorage.getItem(TOKEN_KEY);
export const forgetToken = () => sessionStorage.removeItem(TOKEN_KEY);

/**
 * write sends a change. It asks for the token when none is stored, and once more when the server refuses the stored
 * one (401), so a mistyped token is not kept. The caller shows the ApiError's message when it still fails.
 */
export async function write(method, path, body, askToken) {
  let token = storedToken() ?? (await askToken());
  if (!token) throw new ApiError(401, 'no API token given: the change was not sent');
  sessionStorage.setItem(TOKEN_KEY, token);
  try {
    return await send(method, path, { body, token });
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401) throw err;
    forgetToken();
    token = await askToken(err.message);
    if (!token) throw err;
    const result = await send(method, path, { body, token });
    sessionStorage.setItem(TOKEN_KEY, token);
    return result;
  }
}

/** entityPath is an entity's API path, encoded: entities hold a colon and customer ids may hold anything. */
export const entityPath = (entity, rest = '') => `api/entities/${encodeURIComponent(entity)}${rest}`;
