// The predicted wait of a ticket taken now, per service, as
// GET /api/v1/branches/{id}/predictions answers it (the same simulation as
// every ticket's own prediction). The live stream carries the queues as
// they change; a prediction is a simulation, so it is read when a live
// connection (re)starts, a second after the queues change (a burst of
// events reads once) and every minute. On failure the last figures stay
// until the next read. Used by the waiting-room display and the manager's
// monitor.

/** How often the predicted waits are read, and how soon after a change. */
export const FORECAST_MS = 60 * 1000;
export const FORECAST_DELAY_MS = 1000;

export class Forecasts {
  /** `read()` resolves to the list of forecasts; `onChange()` redraws. */
  constructor(read, onChange) {
    this.read = read;
    this.onChange = onChange;
    this.byService = new Map();
    this.timer = null;
    this.interval = null;
  }

  /** Reads every minute from now on. */
  start() {
    if (!this.interval) this.interval = setInterval(() => this.load(), FORECAST_MS);
  }

  /** Stops reading and forgets the figures. */
  stop() {
    clearInterval(this.interval);
    clearTimeout(this.timer);
    this.interval = null;
    this.timer = null;
    this.byService = new Map();
  }

  /** What a live message means: a snapshot reads at once, a change to a
   *  ticket or desk shortly after. */
  follow(msg) {
    if (msg.type === 'snapshot') this.load();
    else if (msg.type.startsWith('ticket.') || msg.type.startsWith('desk.')) this.soon();
  }

  soon() {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.load();
    }, FORECAST_DELAY_MS);
  }

  async load() {
    try {
      const list = await this.read();
      this.byService = new Map(list.map((f) => [f.service_id, f]));
      this.onChange();
    } catch {
      // Offline or restarting: the next read tries again.
    }
  }

  /** The forecast of a service, if read. */
  get(serviceId) {
    return this.byService.get(serviceId);
  }
}

/** A forecast's range in whole minutes, `{ low, high }` with `high` above
 *  `low`, or null without one. */
export function rangeMinutes(forecast) {
  const range = forecast && forecast.predicted_range_s;
  if (!range) return null;
  const low = Math.floor(range[0] / 60);
  return { low, high: Math.max(Math.ceil(range[1] / 60), low + 1) };
}
