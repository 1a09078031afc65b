// The thin DOM layer: renders tickets and the connection panel from plain state objects.
// No connection logic lives here.

import { columnOf } from './tickets.js';

const STATE_LABELS = {
  connecting: 'Connecting',
  connected: 'Connected',
  reconnecting: 'Reconnecting',
  offline: 'Offline',
  failed: 'Connection failed',
  disconnected: 'Disconnected',
};

const WF_LABELS = {
  idle: 'No workflow',
  queued: 'Queued',
  sent: 'Sent, awaiting ack',
  accepted: 'Accepted',
  started: 'Started',
  running: 'Running',
  completed: 'Completed',
  error: 'Error',
  timeout: 'Timed out, retrying',
};

const $ = (sel) => document.querySelector(sel);

// The panel re-renders every 250 ms; writing an unchanged text or attribute still costs a style,
// layout and paint pass (and a composited frame), so every write below happens only on change.
const setText = (node, text) => {
  if (node.textContent !== text) node.textContent = text;
};
const setData = (node, key, value) => {
  if (node.dataset[key] !== value) node.dataset[key] = value;
};
const setHidden = (node, hidden) => {
  if (node.hidden !== hidden) node.hidden = hidden;
};
// A list rebuilt from `items()` only when its content `key` differs from the last one drawn.
const drawn = new WeakMap();
function replaceIfChanged(node, key, items) {
  if (drawn.get(node) === key) return;
  drawn.set(node, key);
  node.replaceChildren(...items());
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

export function clockTime(ms) {
  const d = new Date(ms);
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

function eventDetail(e) {
  const skip = new Set(['type', 'at', 'url']);
  return Object.entries(e)
    .filter(([k, v]) => !skip.has(k) && v !== null && v !== '' && v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' && v.length > 24 ? v.slice(0, 24) + '…' : v}`)
    .join(' ');
}

export class BoardView {
  constructor({ onAddTicket, onTrigger, onReconnect, onTestConnection }) {
    this.cards = new Map();
    this.onTrigger = onTrigger;
    $('#add-ticket-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const input = $('#new-ticket-title');
      onAddTicket(input.value.trim());
      input.value = '';
      input.focus();
    });
    $('#reconnect-button').addEventListener('click', onReconnect);
    $('#test-connection-button').addEventListener('click', onTestConnection);
  }

  showHeader({ clientId, timeScale }) {
    $('#client-id').textContent = clientId;
    $('#time-scale').textContent = String(timeScale);
  }

  banner(kind, text, testid) {
    $('#banners').append(el('div', { class: `banner ${kind}`, 'data-testid': testid, text }));
  }

  // ---- tickets ------------------------------------------------------------------------------

  /** Show ticket `t` in its column; `asNew` (the no_event_dedupe bug) draws another card for it. */
  renderTicket(t, { asNew = false } = {}) {
    let card = asNew ? null : this.cards.get(t.id);
    if (!card) {
      card = this._buildCard(t);
      this.cards.set(t.id, card);
    }
    card.root.dataset.status = t.status;
    card.title.textContent = t.title;
    card.sync.className = `sync ${t.origin === 'remote' ? 'remote' : t.synced ? 'synced' : 'queued'}`;
    card.sync.textContent = t.origin === 'remote' ? 'from another client' : t.synced ? 'synced' : 'not yet on server';
    card.wf.dataset.status = t.status;
    const pct = t.status === 'completed' ? 100 : t.progress || 0;
    card.wf.textContent = WF_LABELS[t.status] || t.status;
    if (t.error) card.wf.title = t.error;
    card.bar.style.width = `${pct}%`;
    const column = document.querySelector(`.column[data-column="${columnOf(t.status)}"] .cards`);
    if (card.root.parentElement !== column) column.append(card.root);
    this._counts();
  }

  _buildCard(t) {
    const title = el('h4');
    const sync = el('span', { class: 'sync' });
    const wf = el('span', { class: 'wf', 'data-testid': 'workflow-status' });
    const bar = el('div');
    const button = el('button', { type: 'button', 'data-testid': 'trigger-workflow-button', text: 'Trigger workflow', onclick: () => this.onTrigger(t.id) });
    const root = el(
      'article',
      { class: 'card', 'data-testid': 'ticket-card', 'data-ticket-id': t.id },
      el('div', { class: 'card-head' }, el('span', { class: 'tid', text: t.id }), sync),
      title,
      el('div', { class: 'progress' }, bar),
      el('div', { class: 'card-foot' }, wf, button),
    );
    return { root, title, sync, wf, bar };
  }

  _counts() {
    for (const col of document.querySelectorAll('.column')) {
      const n = col.querySelectorAll('.card').length;
      col.querySelector('.count').textContent = n ? `· ${n}` : '';
    }
  }

  // ---- connection panel ---------------------------------------------------------------------

  renderStatus(s) {
    const pill = $('#connection-status');
    setData(pill, 'state', s.state);
    setText(pill.querySelector('.label'), STATE_LABELS[s.state] || s.state);
    const attempt = $('#attempt-count');
    setText(attempt, String(s.attempt));
    setData(attempt, 'attempt', String(s.attempt));
    setText($('#max-attempts'), String(s.maxAttempts));
    const level = $('#health-level');
    setData(level, 'level', s.healthLevel);
    setText(level, s.healthLevel);
    const score = $('#quality-score');
    setText(score, String(s.qualityScore));
    setData(score, 'score', String(s.qualityScore));
    const latency = $('#latency');
    setText(latency, s.latencyMs === null ? '—' : `${s.latencyMs} ms`);
    setData(latency, 'latencyMs', s.latencyMs === null ? '' : String(s.latencyMs));
    const queue = $('#queue-count');
    setText(queue, String(s.queueLength));
    setData(queue, 'count', String(s.queueLength));
    setText($('#network-quality'), s.networkQuality);
    setHidden($('#reconnect-button'), s.state === 'connected' || s.state === 'connecting');
    setText($('#error-text'), s.errorText);
    this._details(s);
  }

  _details(s) {
    const q = s.quality;
    const pct = (x) => `${Math.round(x * 100)}%`;
    const avg = q.avgLatencyMs === null ? '—' : `${Math.round(q.avgLatencyMs)} ms`;
    const messages = `Messages: ${q.acked} acked / ${q.sent} sent (${q.resent} re-sent), success ${pct(q.successRate)} · pongs ${pct(q.pongRate)} · avg latency ${avg}`;
    const recoveries = `Recoveries: ${s.recovery.count} (last ${s.recovery.lastMs === null ? '—' : (s.recovery.lastMs / 1000).toFixed(1) + ' s'}) · auto-reconnects ${s.recovery.remediations}`;
    const ids = [s.connectionId || '—', s.serverInstanceId || '—'];
    replaceIfChanged($('#details'), JSON.stringify([messages, recoveries, ids]), () => [
      el('div', { text: messages }),
      el('div', { text: recoveries }),
      el('div', {}, 'Connection ', el('code', { text: ids[0] }), ' on server ', el('code', { text: ids[1] })),
    ]);
  }

  renderEvents(events) {
    const rows = events
      .slice()
      .reverse()
      .map((e) => [e.type, clockTime(e.at), eventDetail(e)]);
    replaceIfChanged($('#connection-events'), JSON.stringify(rows), () =>
      rows.length
        ? rows.map(([type, at, detail]) =>
            el('li', { 'data-event': type }, el('time', { text: at }), el('span', {}, el('span', { class: 'etype', text: type }), ' ', el('span', { class: 'edetail', text: detail }))),
          )
        : [el('li', { class: 'empty', text: 'No events yet' })],
    );
  }

  renderAlerts(alerts) {
    const list = $('#alert-list');
    const items = alerts
      .slice()
      .reverse()
      .map((a) =>
        el(
          'li',
          { 'data-level': a.level },
          el('div', {}, el('time', { text: clockTime(a.at) }), ' ', el('span', { class: 'amsg', text: `${a.level}: ${a.message}` })),
          el('div', { class: 'asug', text: a.suggestion }),
        ),
      );
    list.replaceChildren(...(items.length ? items : [el('li', { class: 'empty', text: 'No alerts' })]));
  }

  showTestResult(text) {
    $('#test-result').textContent = text;
  }
}
