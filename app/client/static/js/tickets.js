// Ticket model of the board (DOM-free): ids T-<n> unique per client, workflow status from
// acks and status_update frames, persisted to localStorage so a reload keeps the board.

export const TICKETS_KEY = 'kanban.tickets';
export const TICKET_SEQ_KEY = 'kanban.ticketSeq';

/** Which board column a workflow status belongs to. */
export function columnOf(status) {
  if (status === 'completed') return 'done';
  if (['accepted', 'started', 'running'].includes(status)) return 'running';
  return 'todo';
}

export class TicketStore {
  constructor({ storage = null } = {}) {
    this.storage = storage;
    this.tickets = new Map();
    this.byMessage = new Map(); // queued message id -> ticket id
    this.byAdw = new Map(); // adw id -> ticket id
    this._load();
  }

  _load() {
    try {
      const list = JSON.parse(this.storage?.getItem(TICKETS_KEY) || '[]');
      for (const t of list) {
        this.tickets.set(t.id, t);
        if (t.pendingMessage) this.byMessage.set(t.pendingMessage, t.id);
        if (t.syncMessage && !t.synced) this.byMessage.set(t.syncMessage, t.id);
        if (t.adwId) this.byAdw.set(t.adwId, t.id);
      }
    } catch (_) {
      /* corrupt storage: start with an empty board */
    }
  }

  save() {
    try {
      this.storage?.setItem(TICKETS_KEY, JSON.stringify([...this.tickets.values()]));
    } catch (_) {
      /* quota: the board still works in memory */
    }
  }

  /** Next ticket id `T-<n>`; the counter survives reloads, so ids stay unique per client. */
  nextId() {
    let n = Number(this.storage?.getItem(TICKET_SEQ_KEY) || 0);
    do n += 1;
    while (this.tickets.has(`T-${n}`));
    this.storage?.setItem(TICKET_SEQ_KEY, String(n));
    return `T-${n}`;
  }

  create(title, origin = 'local') {
    const id = this.nextId();
    const t = { id, title, origin, synced: false, status: 'idle', progress: 0, adwId: null, pendingMessage: null, error: null };
    this.tickets.set(id, t);
    this.save();
    return t;
  }

  /** A ticket created by another client (ticket_created broadcast). */
  addRemote(ticket) {
    if (!ticket || !ticket.id || this.tickets.has(ticket.id)) return null;
    const t = { id: ticket.id, title: ticket.title || ticket.id, origin: 'remote', synced: true, status: 'idle', progress: 0, adwId: null, pendingMessage: null, error: null };
    this.tickets.set(t.id, t);
    this.save();
    return t;
  }

  update(id, patch) {
    const t = this.tickets.get(id);
    if (!t) return null;
    Object.assign(t, patch);
    this.save();
    return t;
  }

  /** Apply a server frame; returns the ticket it changed, if any. */
  applyFrame(frame) {
    if (frame.type === 'ticket_created') return this.addRemote(frame.ticket);
    if (frame.type === 'ack' && this.byMessage.has(frame.id)) {
      const tid = this.byMessage.get(frame.id);
      this.byMessage.delete(frame.id);
      const t = this.tickets.get(tid);
      if (!t) return null;
      if (t.pendingMessage === frame.id && t.status !== 'idle') {
        if (frame.adw_id) this.byAdw.set(frame.adw_id, tid);
        const later = ['started', 'running', 'completed'].includes(t.status) && t.adwId === frame.adw_id;
        return this.update(tid, { adwId: frame.adw_id || t.adwId, status: later ? t.status : 'accepted', pendingMessage: null, error: null });
      }
      return this.update(tid, { synced: true, syncMessage: null });
    }
    if (frame.type === 'status_update') {
      const tid = frame.ticket_id || this.byAdw.get(frame.adw_id);
      const t = this.tickets.get(tid);
      if (!t) return null;
      if (t.adwId && frame.adw_id && t.adwId !== frame.adw_id && t.pendingMessage) return null; // older run
      return this.update(tid, { status: frame.status, progress: Number(frame.progress) || 0, adwId: frame.adw_id || t.adwId });
    }
    return null;
  }

  trackMessage(messageId, ticketId) {
    this.byMessage.set(messageId, ticketId);
  }

  list() {
    return [...this.tickets.values()];
  }
}
