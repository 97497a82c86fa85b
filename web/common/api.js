// The one client for the REST API, used by every page: JSON in and out, a
// bearer token when there is one, and errors as exceptions carrying the
// server's {error, message}. A failed connection rejects with the browser's
// own TypeError, so callers can tell "no answer" from "the server said no".

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.code = body && body.error;
    this.body = body;
  }
}

/**
 * Sends one request and returns the fetch Response, for the few callers that
 * want more than JSON (audio, headers). `options`: `token`, `body` (sent as
 * JSON), `headers`, `cache`.
 */
export function send(method, path, { token, body, headers = {}, cache } = {}) {
  const all = { ...headers };
  if (token) all.authorization = `Bearer ${token}`;
  if (body !== undefined) all['content-type'] = 'application/json';
  const init = { method, headers: all, body: body === undefined ? undefined : JSON.stringify(body) };
  if (cache) init.cache = cache;
  return fetch(path, init);
}

/**
 * A JSON request: returns the parsed body (null when empty or not JSON),
 * throws ApiError on any status outside 2xx. `options` as for send().
 */
export async function request(method, path, options = {}) {
  const res = await send(method, path, options);
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

/** request() with the token and body as arguments, as the consoles call it. */
export function api(token, method, path, body, headers = {}) {
  return request(method, path, { token, body, headers });
}

/** Signs in; returns {token, expires_at, user}. */
export function login(username, password) {
  return api(null, 'POST', '/api/v1/auth/login', { username, password });
}

/** Ends a session on the server; a failure changes nothing for the caller,
 * whose computer forgets the token either way. */
export async function logout(token) {
  if (!token) return;
  try {
    await api(token, 'POST', '/api/v1/auth/logout');
  } catch {
    // The session is gone from this computer either way.
  }
}

/**
 * The server's clock minus this computer's, in ms, from the Date header of
 * /healthz (whole seconds: the middle of that second is assumed); null when
 * the server cannot be reached.
 */
export async function serverClockOffset() {
  try {
    const sent = Date.now();
    const res = await send('GET', '/healthz', { cache: 'no-store' });
    const received = Date.now();
    const date = Date.parse(res.headers.get('date') || '');
    return Number.isNaN(date) ? null : date + 500 - (sent + received) / 2;
  } catch {
    return null;
  }
}

/** Seconds as "m:ss" or "h:mm:ss". */
export function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
