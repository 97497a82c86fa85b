// Small client for the REST API: JSON in and out, bearer token, and errors
// as exceptions carrying the server's {error, message}.

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.code = body && body.error;
  }
}

export async function api(token, method, path, body, extraHeaders = {}) {
  const headers = { ...extraHeaders };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
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

/** Seconds as "m:ss" or "h:mm:ss". */
export function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
