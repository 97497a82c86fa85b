// The device token of an unattended page (waiting-room display, kiosk,
// feedback tablet). The page is opened once as `…/#token=<token>` (the
// fragment never leaves the browser, so the token stays out of request lines
// and proxy logs; `?token=` is understood too). The token is then kept in
// localStorage and taken out of the address bar, so later the bare address
// is enough. Where there is no storage (private mode on some TVs) the token
// stays in the address, so a reload still finds it.

import { api, ApiError } from './api.js';

/** The token given in the address (now stored) or the stored one, or null. */
export function deviceToken(storageKey) {
  const query = new URLSearchParams(location.search);
  const hash = new URLSearchParams(location.hash.replace(/^#/, ''));
  const given = hash.get('token') || query.get('token');
  let stored = null;
  try {
    if (given) localStorage.setItem(storageKey, given);
    stored = localStorage.getItem(storageKey);
  } catch {
    return given;
  }
  if (given && stored === given) {
    query.delete('token');
    const rest = query.toString();
    history.replaceState(null, '', location.pathname + (rest ? '?' + rest : ''));
  }
  return given || stored;
}

/**
 * Who the token is (GET /api/v1/auth/me): a device of a branch and, when
 * `kind` is given, of that kind ("kiosk", "display"). Anything else is an
 * ApiError 403, as is a token the server refuses (401) an ApiError 401.
 */
export async function deviceIdentity(token, kind) {
  const me = await api(token, 'GET', '/api/v1/auth/me');
  if (me.kind !== 'device' || me.branch_id == null || (kind && me.device_kind !== kind)) {
    throw new ApiError(403, { message: `not a ${kind || 'device'} token` });
  }
  return me;
}
