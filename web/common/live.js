// Live connection to a branch: connect, apply the snapshot, apply events in
// seq order, reconnect with back-off and resume from the last seq, resync
// on any gap. Used by every page (display, clerk, manager, kiosk).
//
// The state it keeps has the same shape as the server's snapshot (see the
// README, "Live stream"):
//   { seq, branch, services: Map(id -> service), desks: Map(id -> desk),
//     tickets: Map(id -> open ticket), calls: [newest call first] }

// The open statuses: TicketStatus::OPEN in queue/src/status.rs (a server
// test, the_pages_list_of_open_statuses_is_ticket_status_open, holds them equal).
const OPEN = new Set(['waiting', 'called', 'serving', 'parked']);
export const RECENT_CALLS = 10;

export function emptyState() {
  return { seq: 0, branch: null, services: new Map(), desks: new Map(), tickets: new Map(), calls: [] };
}

function byId(list) {
  const map = new Map();
  for (const item of list || []) map.set(item.id, item);
  return map;
}

/** Applies a snapshot or an event message to `state` (in place). */
export function applyMessage(state, msg) {
  if (msg.type === 'snapshot') {
    state.seq = msg.seq;
    state.branch = msg.branch;
    state.services = byId(msg.services);
    state.desks = byId(msg.desks);
    state.tickets = byId(msg.tickets);
    state.calls = (msg.calls || []).slice();
    return state;
  }
  if (msg.type === 'heartbeat') return state;
  state.seq = msg.seq;
  const data = msg.data || {};
  for (const key of ['ticket', 'new_ticket']) {
    const t = data[key];
    if (t && t.id != null) {
      if (OPEN.has(t.status)) state.tickets.set(t.id, t);
      else state.tickets.delete(t.id);
    }
  }
  if (data.desk && data.desk.id != null) state.desks.set(data.desk.id, data.desk);
  const summaries = [data.service, ...(data.services || [])];
  for (const s of summaries) {
    if (s && s.id != null && state.services.has(s.id)) Object.assign(state.services.get(s.id), s);
  }
  if (msg.type === 'service.created' || msg.type === 'service.updated') {
    if (data.active) {
      const entry = state.services.get(data.id) || { waiting: 0, estimated_wait_s: 0, open_desks: 0 };
      const { summary, ...fields } = data;
      Object.assign(entry, fields, summary || {});
      state.services.set(data.id, entry);
    } else {
      state.services.delete(data.id);
    }
  }
  if (msg.type === 'branch.updated') {
    const { event_seq, ...branch } = data;
    state.branch = branch;
  }
  if (msg.type === 'ticket.called' || msg.type === 'ticket.recalled') {
    state.calls.unshift({
      seq: msg.seq,
      recall: msg.type === 'ticket.recalled',
      ticket_id: msg.ticket_id,
      number: data.ticket && data.ticket.number,
      service_id: data.ticket && data.ticket.service_id,
      desk_id: msg.desk_id,
      desk_name: data.desk && data.desk.name,
      desk_names: (data.desk && data.desk.names) || {},
      at: msg.at,
    });
    state.calls.length = Math.min(state.calls.length, RECENT_CALLS);
  }
  return state;
}

/**
 * A live connection that survives outages.
 *
 * options: { branchId, token, services?: number[], desks?: number[],
 *            onState(state, msg), onStatus('connecting'|'live'|'offline'),
 *            baseUrl? (default: this page's origin) }
 */
export class LiveConnection {
  constructor(options) {
    this.options = options;
    this.state = emptyState();
    this.lastSeq = null; // last seq accounted for; resume point
    this.lastSent = null; // seq of the last message received (prev_seq check)
    this.backoff = 250;
    this.closed = false;
    this.ws = null;
    this.silenceTimer = null;
    this.connect();
  }

  url() {
    const o = this.options;
    const base = (o.baseUrl || location.origin).replace(/^http/, 'ws');
    const params = new URLSearchParams({ token: o.token });
    if (o.services && o.services.length) params.set('services', o.services.join(','));
    if (o.desks && o.desks.length) params.set('desks', o.desks.join(','));
    if (this.lastSeq != null) params.set('since', String(this.lastSeq));
    return `${base}/api/v1/branches/${o.branchId}/live?${params}`;
  }

  status(s) {
    if (this.options.onStatus) this.options.onStatus(s);
  }

  connect() {
    if (this.closed) return;
    this.status('connecting');
    const ws = new WebSocket(this.url());
    this.ws = ws;
    // Open means the server accepted the token and streams from here on:
    // live now, not at the next event (a resumed stream may send nothing
    // but heartbeats for a long while).
    ws.onopen = () => this.status('live');
    ws.onmessage = (ev) => this.receive(ev.data);
    ws.onclose = () => this.retry();
    ws.onerror = () => ws.close();
    this.armSilenceTimer();
  }

  // No message (not even a heartbeat, sent every 10 s) for 30 s: the
  // connection is dead even if the browser has not noticed.
  armSilenceTimer() {
    clearTimeout(this.silenceTimer);
    this.silenceTimer = setTimeout(() => this.ws && this.ws.close(), 30000);
  }

  receive(text) {
    this.armSilenceTimer();
    let msg;
    try {
      msg = JSON.parse(text);
    } catch {
      this.ws.close();
      return;
    }
    if (msg.type === 'snapshot') {
      this.lastSeq = msg.seq;
      this.lastSent = msg.seq;
      this.backoff = 250;
      applyMessage(this.state, msg);
      this.status('live');
      this.options.onState(this.state, msg);
      return;
    }
    if (msg.type === 'heartbeat') {
      // A heartbeat's `head` is the branch's latest seq in the database:
      // a client still behind it missed events and resumes.
      if (msg.prev_seq !== this.lastSent || (msg.head != null && msg.head > msg.seq)) this.ws.close();
      else {
        this.lastSeq = msg.seq;
        this.status('live');
      }
      return;
    }
    if (this.lastSent != null && msg.prev_seq !== this.lastSent) {
      // Something was missed: resume from what we hold.
      this.lastSeq = this.lastSent;
      this.ws.close();
      return;
    }
    this.lastSeq = msg.seq;
    this.lastSent = msg.seq;
    this.backoff = 250;
    this.status('live');
    applyMessage(this.state, msg);
    this.options.onState(this.state, msg);
  }

  retry() {
    clearTimeout(this.silenceTimer);
    if (this.closed) return;
    this.status('offline');
    const delay = this.backoff + Math.random() * 250;
    this.backoff = Math.min(this.backoff * 2, 10000);
    setTimeout(() => this.connect(), delay);
  }

  close() {
    this.closed = true;
    clearTimeout(this.silenceTimer);
    if (this.ws) this.ws.close();
  }
}
