// Page entry point: wires the DOM-free services to the browser (WebSocket, timers,
// localStorage, visibility, online/offline) and to the board view; exposes window.kanbanDebug.

import { CLIENT_BUGS, loadConfig, seededRandom } from './config.js';
import { TimeoutError, WebSocketService } from './websocketService.js';
import { ConnectionHealthMonitor } from './connectionHealthMonitor.js';
import { TicketStore } from './tickets.js';
import { BoardView } from './board.js';

const storage = window.localStorage;
const cfg = loadConfig(window.location.href, storage);
// With a harness seed, client jitter is replayable; otherwise it is truly random.
const random = cfg.seed !== null ? seededRandom(`${cfg.seed}:${cfg.clientId}`) : Math.random;
const timers = { setTimeout: (f, ms) => window.setTimeout(f, ms), clearTimeout: (h) => window.clearTimeout(h) };
const clock = { now: () => Date.now() };

// Resolve window.WebSocket at each connect, so a wrapper installed by a test harness applies.
function BrowserWebSocket(url) {
  return new window.WebSocket(url);
}

const service = new WebSocketService({
  url: cfg.wsUrl,
  clientId: cfg.clientId,
  WebSocket: BrowserWebSocket,
  clock,
  timers,
  random,
  storage,
  bugs: cfg.bugs,
  timeScale: cfg.timeScale,
  minTimerMs: cfg.minTimerMs,
  jitter: cfg.jitter,
});

/** Response time of the server's /health endpoint (opaque no-cors request: timing only). */
async function fetchHealth() {
  const u = new URL(cfg.wsUrl);
  u.protocol = u.protocol === 'wss:' ? 'https:' : 'http:';
  u.pathname = '/health';
  u.search = '';
  const t0 = performance.now();
  await fetch(u.toString(), { mode: 'no-cors', cache: 'no-store' });
  return Math.round(performance.now() - t0);
}

const monitor = new ConnectionHealthMonitor({ service, storage, timeScale: cfg.timeScale, bugs: cfg.bugs, fetchHealth });
const tickets = new TicketStore({ storage });
let lastServerError = null;

const view = new BoardView({
  onAddTicket(title) {
    const t = tickets.create(title || 'Untitled ticket');
    const { id } = service.sendTicket({ id: t.id, title: t.title });
    tickets.trackMessage(id, t.id);
    tickets.update(t.id, { syncMessage: id });
    view.renderTicket(t);
    render();
  },
  onTrigger(ticketId) {
    const { id, promise } = service.triggerWorkflow(ticketId);
    tickets.trackMessage(id, ticketId);
    const status = service.state === 'connected' ? 'sent' : 'queued';
    view.renderTicket(tickets.update(ticketId, { status, progress: 0, pendingMessage: id, error: null }));
    promise.catch((err) => {
      const t = tickets.tickets.get(ticketId);
      if (!t || t.pendingMessage !== id) return;
      const timeout = err instanceof TimeoutError;
      view.renderTicket(tickets.update(ticketId, { status: timeout ? 'timeout' : 'error', error: String(err.message || err) }));
    });
    render();
  },
  onReconnect() {
    service.reconnect('manual');
  },
  async onTestConnection() {
    view.showTestResult('Testing…');
    const r = await monitor.testConnection();
    const http = r.healthResponseMs === null ? '' : `, /health answered in ${r.healthResponseMs} ms`;
    view.showTestResult(r.ok ? `OK: pong in ${Math.round(r.latencyMs)} ms${http}` : `Failed: ${r.error}${http}`);
    render();
  },
});

function errorText() {
  const n = service.queue.length;
  const kept = n ? ` ${n} message${n === 1 ? ' is' : 's are'} queued and will be sent after reconnecting.` : '';
  const queued = cfg.bugs.includes('no_queue') ? ' Messages sent now are lost.' : kept || ' Messages you send are queued.';
  const close = service.lastClose && service.lastClose.code ? ` (close code ${service.lastClose.code})` : '';
  switch (service.state) {
    case 'reconnecting': {
      const secs = service.nextRetryAt === null ? 0 : Math.max(0, (service.nextRetryAt - clock.now()) / 1000);
      return `Connection lost${close}. Reconnecting in ${secs.toFixed(1)} s (attempt ${service.attempt} of ${service.cfg.maxAttempts}).${queued} Press Reconnect to retry now.`;
    }
    case 'offline':
      return `Your browser is offline. Check your network connection; the app reconnects as soon as it is back online.${queued}`;
    case 'failed':
      return `Could not reconnect after ${service.cfg.maxAttempts} attempts. Check that the server is running and reachable, then press Reconnect.${kept}`;
    case 'disconnected':
      return `Disconnected. Press Reconnect to connect again.${kept}`;
    default:
      if (lastServerError && clock.now() - lastServerError.at < 10000 * cfg.timeScale) return lastServerError.text;
      return '';
  }
}

function snapshot() {
  const lat = monitor.latencyMs;
  return {
    state: service.state,
    attempt: service.attempt,
    maxAttempts: service.cfg.maxAttempts,
    queueLength: service.queue.length,
    healthLevel: monitor.level,
    qualityScore: monitor.qualityScore(),
    latencyMs: lat === null ? null : Math.round(lat),
    alerts: monitor.alerts.list(),
    connectionId: service.connectionId,
    serverInstanceId: service.serverInstanceId,
    events: service.recentEvents(10),
    bugs: cfg.bugs.slice(),
    timeScale: cfg.timeScale,
    minTimerMs: cfg.minTimerMs,
    clientId: cfg.clientId,
  };
}

function render() {
  const s = snapshot();
  view.renderStatus({ ...s, errorText: errorText(), networkQuality: monitor.networkQuality(), quality: service.quality(), recovery: monitor.recovery });
  view.renderEvents(s.events);
}

function onServerError(frame) {
  const retry = frame.retry_after ? ` Retrying in ${frame.retry_after} s.` : '';
  const what = frame.code === 'rate_limited' ? 'The server is rate limiting workflow triggers.' : `Server error ${frame.code}: ${frame.message}.`;
  lastServerError = { at: clock.now(), text: `${what}${retry}${frame.recoverable ? ' Nothing is lost: the message is retried automatically.' : ''}` };
}

service.events.on('frame', (frame) => {
  if (frame.type === 'error') onServerError(frame);
  if (frame.type === 'ticket_created' && cfg.bugs.includes('no_event_dedupe') && frame.ticket) {
    // The seeded bug: every ticket_created event draws a new card, even for a ticket already on the board.
    tickets.applyFrame(frame);
    const known = tickets.tickets.get(frame.ticket.id);
    if (known) view.renderTicket(known, { asNew: true });
    return;
  }
  const t = tickets.applyFrame(frame);
  if (t) view.renderTicket(t);
});
for (const name of ['state', 'event', 'queue', 'pong']) service.events.on(name, render);
monitor.events.on('change', render);
monitor.events.on('alert', () => view.renderAlerts(monitor.alerts.list()));

document.addEventListener('visibilitychange', () => service.setHidden(document.visibilityState === 'hidden'));
window.addEventListener('online', () => service.handleOnline());
window.addEventListener('offline', () => service.handleOffline());

view.showHeader(cfg);
if (cfg.unknownBugs.length) {
  view.banner('error', `Unknown bug name(s): ${cfg.unknownBugs.join(', ')}. Known client bugs: ${CLIENT_BUGS.join(', ')} (or legacy for all).`, 'bug-error');
  console.error(`kanban: unknown bug name(s) ${cfg.unknownBugs.join(', ')}; known client bugs: ${CLIENT_BUGS.join(', ')}, legacy`);
}
if (cfg.timeScaleError !== null) view.banner('error', `Invalid time_scale '${cfg.timeScaleError}': expected a positive number; using 1.`, 'time-scale-error');
if (cfg.minTimerError !== null) view.banner('error', `Invalid min_timer_ms '${cfg.minTimerError}': expected a number of milliseconds >= 0; using ${cfg.minTimerMs}.`, 'min-timer-error');
if (cfg.jitterError !== null) view.banner('error', `Invalid jitter '${cfg.jitterError}': expected equal or full; using equal.`, 'jitter-error');
if (cfg.bugs.length) view.banner('bugs', `Seeded client bugs active: ${cfg.bugs.join(', ')}`, 'bug-banner');

for (const t of tickets.list()) view.renderTicket(t);
view.renderAlerts(monitor.alerts.list());
window.kanbanDebug = { snapshot, service, monitor, tickets, config: cfg };
service.connect();
monitor.start();
if (document.visibilityState === 'hidden') service.setHidden(true);
render();
window.setInterval(render, 250); // countdown and uptime-based score
