// Health alert history, persisted to localStorage (last 50) so diagnostics survive a reload.

export const ALERTS_KEY = 'kanban.alerts';
export const MAX_ALERTS = 50;

export class AlertStore {
  constructor({ storage = null, persist = true, key = ALERTS_KEY } = {}) {
    this.storage = persist ? storage : null;
    this.key = key;
    this.alerts = this._load();
  }

  _load() {
    if (!this.storage) return [];
    try {
      const list = JSON.parse(this.storage.getItem(this.key) || '[]');
      return Array.isArray(list) ? list.slice(-MAX_ALERTS) : [];
    } catch (_) {
      return [];
    }
  }

  /** Append an alert {level, message, suggestion, at}; keeps the newest 50. */
  add(alert) {
    this.alerts.push(alert);
    if (this.alerts.length > MAX_ALERTS) this.alerts.splice(0, this.alerts.length - MAX_ALERTS);
    if (this.storage) {
      try {
        this.storage.setItem(this.key, JSON.stringify(this.alerts));
      } catch (_) {
        /* quota exceeded: keep them in memory */
      }
    }
    return alert;
  }

  list() {
    return this.alerts.slice();
  }

  clear() {
    this.alerts = [];
    if (this.storage) this.storage.removeItem(this.key);
  }
}
