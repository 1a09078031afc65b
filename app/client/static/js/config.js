// Page configuration from the URL: WebSocket URL, time scale, timeout floor, seeded bugs,
// client id, seed, backoff jitter model. Pure: takes a URL string and a storage, returns a
// frozen config (no DOM access).

import { JITTER_MODELS } from './backoff.js';

/** Real ms below which time scaling never pushes a timeout; see websocketService.js. */
export const DEFAULT_MIN_TIMER_MS = 2000;

/** The seeded client bugs of the bug report; `legacy` switches all of them on. */
export const REPORT_BUGS = Object.freeze([
  'max5_attempts',
  'no_jitter',
  'no_queue',
  'leak_listeners',
  'slow_heartbeat',
  'no_visibility',
  'no_online_events',
  'no_connection_id',
  'no_trigger_timeout',
  'slow_health_check',
  'no_auto_remediation',
  'no_alert_persistence',
  'manual_latency',
]);

/** Bugs added for message-level faults (not in the bug report, so not in `legacy`). */
export const MESSAGE_BUGS = Object.freeze(['no_event_dedupe']);

/** Every seeded client bug. */
export const CLIENT_BUGS = Object.freeze([...REPORT_BUGS, ...MESSAGE_BUGS]);

/** Parse a comma-separated bug list; returns {bugs, unknown}. */
export function parseBugs(text) {
  const names = String(text || '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bugs = new Set();
  const unknown = [];
  for (const name of names) {
    if (name === 'legacy') REPORT_BUGS.forEach((b) => bugs.add(b));
    else if (CLIENT_BUGS.includes(name)) bugs.add(name);
    else unknown.push(name);
  }
  return { bugs: CLIENT_BUGS.filter((b) => bugs.has(b)), unknown };
}

/** The page's `jitter` parameter: a backoff model of backoff.js, `equal` when absent or unknown. */
export function parseJitter(text) {
  if (text === null || text === '') return { jitter: 'equal', error: null };
  return JITTER_MODELS.includes(text) ? { jitter: text, error: null } : { jitter: 'equal', error: text };
}

/** Small deterministic PRNG (mulberry32) so a harness seed makes client jitter replayable. */
export function seededRandom(seedText) {
  let h = 2166136261;
  for (const ch of String(seedText)) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  let a = h >>> 0;
  return function random() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CLIENT_ID_KEY = 'kanban.clientId';

function storedClientId(storage, random) {
  let id = null;
  try {
    id = storage && storage.getItem(CLIENT_ID_KEY);
  } catch (_) {
    id = null;
  }
  if (!id) {
    id = 'web-' + Math.floor(random() * 0xffffffff).toString(36).padStart(6, '0');
    try {
      storage && storage.setItem(CLIENT_ID_KEY, id);
    } catch (_) {
      /* storage full or blocked: the id just won't survive a reload */
    }
  }
  return id;
}

/** Append (or replace) client_id in a WebSocket URL. */
export function withClientId(wsUrl, clientId) {
  const u = new URL(wsUrl);
  if (clientId) u.searchParams.set('client_id', clientId);
  return u.toString();
}

/**
 * Read the page URL. `storage` keeps the generated client id across reloads;
 * `random` is only used to generate that id.
 */
export function loadConfig(pageUrl, storage, random = Math.random) {
  const url = new URL(pageUrl);
  const p = url.searchParams;
  const host = url.hostname || '127.0.0.1';
  const scale = Number(p.get('time_scale') ?? '1');
  const { bugs, unknown } = parseBugs(p.get('bugs'));
  const clientId = p.get('client_id') || storedClientId(storage, random);
  const seed = p.get('seed');
  const floor = Number(p.get('min_timer_ms') ?? DEFAULT_MIN_TIMER_MS);
  const floorOk = p.get('min_timer_ms') !== '' && Number.isFinite(floor) && floor >= 0;
  const { jitter, error: jitterError } = parseJitter(p.get('jitter'));
  return Object.freeze({
    wsUrl: p.get('ws') || `ws://${host}:8765/ws/trigger`,
    timeScale: Number.isFinite(scale) && scale > 0 ? scale : 1,
    timeScaleError: Number.isFinite(scale) && scale > 0 ? null : p.get('time_scale'),
    bugs,
    unknownBugs: unknown,
    clientId,
    seed: seed === null ? null : seed,
    minTimerMs: floorOk ? floor : DEFAULT_MIN_TIMER_MS,
    minTimerError: floorOk ? null : p.get('min_timer_ms'),
    jitter,
    jitterError,
  });
}
