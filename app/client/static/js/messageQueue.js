// The client message queue: every message that needs an ack stays here, in order, until the
// server acks it. Persisted to localStorage so it survives a reload.

export const QUEUE_KEY = 'kanban.queue';

/**
 * An entry: {id, msg, sends, sentOn, lastSentAt, notBefore, enqueuedAt}.
 * `sentOn` is the socket generation it was last sent on (null = not sent on this page's
 * current socket); `notBefore` delays a rate-limited message.
 */
export class MessageQueue {
  constructor({ storage = null, key = QUEUE_KEY } = {}) {
    this.storage = storage;
    this.key = key;
    this.items = [];
    this._load();
  }

  _load() {
    if (!this.storage) return;
    try {
      const raw = this.storage.getItem(this.key);
      const items = raw ? JSON.parse(raw) : [];
      if (!Array.isArray(items)) return;
      // Socket generations belong to the previous page: everything must be sent again.
      this.items = items
        .filter((it) => it && it.id && it.msg)
        .map((it) => ({ ...it, sentOn: null, notBefore: 0 }));
    } catch (_) {
      this.items = [];
    }
  }

  save() {
    if (!this.storage) return;
    try {
      this.storage.setItem(this.key, JSON.stringify(this.items));
    } catch (_) {
      /* quota exceeded: the in-memory queue still works */
    }
  }

  get length() {
    return this.items.length;
  }

  add(msg, now) {
    const item = { id: msg.id, msg, sends: 0, sentOn: null, lastSentAt: null, notBefore: 0, enqueuedAt: now };
    this.items.push(item);
    this.save();
    return item;
  }

  get(id) {
    return this.items.find((it) => it.id === id) || null;
  }

  remove(id) {
    const i = this.items.findIndex((it) => it.id === id);
    if (i < 0) return null;
    const [item] = this.items.splice(i, 1);
    this.save();
    return item;
  }
}
