// A staff session (clerk desk, manager console): the token kept on this
// computer, start-up, sign-in, sign-out and REST calls that end the session
// when the server no longer knows it. One behaviour for every console:
//   401 (or a token that is not a user's): back to the sign-in screen;
//   403 (signed in, but not allowed): a message; the session stays, except
//       at start-up, where the sign-in screen comes with the message;
//   no answer: a message, and start-up tries again after RETRY_MS.

import { api, send, ApiError, login, logout } from './api.js';
import { $, storageGet, storageSet } from './dom.js';

const RETRY_MS = 5000;
export const SESSION_ENDED = 'Your session has ended. Please sign in again.';

export class StaffSession {
  /**
   * `tokenKey`: where the token is kept. `onSignedIn(user)`: a session is
   * there (may throw; the error is reported). `onSignedOut(message)`: show
   * the sign-in screen, with an optional message. `onMessage(text)`: show
   * an error (empty text clears it). `texts(id, vars)`: the console's text
   * for conn-live, conn-connecting and conn-offline, and for the messages
   * session-ended, wrong-password, cannot-sign-in, not-allowed and
   * cannot-reach ({$message}); English where it has none (null or the id).
   */
  constructor({ tokenKey, onSignedIn = () => {}, onSignedOut = () => {}, onMessage = () => {}, texts = null }) {
    this.texts = texts;
    this.lastLiveStatus = null;
    this.tokenKey = tokenKey;
    this.onSignedIn = onSignedIn;
    this.onSignedOut = onSignedOut;
    this.onMessage = onMessage;
    this.token = null;
    this.user = null;
  }

  /** The console's text `id`, or `english`; `{$message}` filled in. */
  say(id, english, message) {
    const own = this.texts ? this.texts(id, { message }) : null;
    const text = own && own !== id ? own : english;
    return text.replace('{$message}', message == null ? '' : message);
  }

  /** Resumes the remembered session, or shows the sign-in screen. */
  async start() {
    this.token = storageGet(this.tokenKey);
    if (!this.token) return this.onSignedOut();
    try {
      const me = await api(this.token, 'GET', '/api/v1/auth/me');
      if (me.kind !== 'user') return this.end();
      this.user = me.user;
      await this.onSignedIn(me.user);
    } catch (err) {
      if (err.status === 401) {
        if (this.token) this.end();
      } else if (err.status === 403) {
        // This account may not use the console: another one may.
        this.end(this.say('not-allowed', 'Not allowed: {$message}', err.message));
      } else {
        this.onMessage(this.say('cannot-reach', 'Cannot reach the server: {$message}', err.message));
        setTimeout(() => this.start(), RETRY_MS);
      }
    }
    return undefined;
  }

  /** Signs in; reports a refusal as a message. True when signed in. */
  async signIn(username, password) {
    let session;
    try {
      session = await login(username, password);
    } catch (err) {
      this.onMessage(err.status === 401
        ? this.say('wrong-password', 'Wrong user name or password.')
        : this.say('cannot-sign-in', 'Cannot sign in: {$message}', err.message));
      return false;
    }
    this.token = session.token;
    this.user = session.user;
    storageSet(this.tokenKey, session.token);
    this.onMessage('');
    try {
      await this.onSignedIn(session.user);
    } catch (err) {
      if (err.status === 401) return false;
      this.onMessage(err.status === 403
        ? this.say('not-allowed', 'Not allowed: {$message}', err.message)
        : this.say('cannot-sign-in', 'Cannot sign in: {$message}', err.message));
    }
    return true;
  }

  /** Ends the session here and on the server. */
  async signOut() {
    const token = this.token;
    this.end();
    await logout(token);
  }

  /** Forgets the session on this computer and shows the sign-in screen. */
  end(message) {
    this.token = null;
    this.user = null;
    storageSet(this.tokenKey, null);
    this.onSignedOut(message);
  }

  /** A REST call with the session's token; a 401 ends the session. */
  async call(method, path, body) {
    try {
      return await api(this.token, method, path, body);
    } catch (err) {
      if (err.status === 401 && this.token) this.end(this.say('session-ended', SESSION_ENDED));
      throw err;
    }
  }

  /** A GET with the session's token for a body that is not JSON (SVG, CSV):
   *  the Response; errors as for call(). */
  async fetch(path) {
    const res = await send('GET', path, { token: this.token });
    if (res.ok) return res;
    const err = new ApiError(res.status, await res.json().catch(() => null));
    if (err.status === 401 && this.token) this.end(this.say('session-ended', SESSION_ENDED));
    throw err;
  }

  /**
   * The live connection's status ("live", "connecting", "offline") for the
   * console's #conn mark; a stream that keeps failing may mean the session
   * ended, so "offline" also asks the server.
   */
  liveStatus(status) {
    $('conn').dataset.status = status;
    this.lastLiveStatus = status;
    const english = { live: 'Live', connecting: 'Connecting…', offline: 'Offline – retrying' };
    $('conn-text').textContent = this.say(`conn-${status}`, english[status] || english.offline);
    if (status === 'offline') this.check();
  }

  /** Asks whether the session still holds (e.g. when the live stream keeps failing). */
  check() {
    if (!this.token) return;
    api(this.token, 'GET', '/api/v1/auth/me').catch((err) => {
      if (err.status === 401) this.end(this.say('session-ended', SESSION_ENDED));
    });
  }
}
