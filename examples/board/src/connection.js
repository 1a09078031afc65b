// The board's socket: hard-coded URL, reconnect with exponential backoff and jitter, a heartbeat
// watchdog (no frame for HEARTBEAT_TIMEOUT_MS: the link is dead, reconnect), and an outbox that
// re-sends unreceipted cards after every reconnect.
import {changed, store} from "./store.js";

const WS_URL = "ws://localhost:8002/ws";   // hard-coded, as many apps do
const BASE_MS = 500, CAP_MS = 8000, CONNECT_TIMEOUT_MS = 5000, HEARTBEAT_TIMEOUT_MS = 6000;
const bugs = new URLSearchParams(location.search).get("bugs") || "";

let socket = null;
let watchdog = null;
let retry = null;

const setState = (state) => { store.state = state; changed(); };

export function connect() {
  clearTimeout(retry);
  store.attempt += 1;
  setState(store.attempt === 1 && !store.instance ? "connecting" : "reconnecting");
  const ws = new WebSocket(WS_URL);
  socket = ws;
  const connectTimer = setTimeout(() => abandon(ws), CONNECT_TIMEOUT_MS);
  ws.addEventListener("open", () => {
    clearTimeout(connectTimer);
    store.attempt = 0;
    ws.send(JSON.stringify({type: "hello", project: store.project}));
    setState("connected");
    for (const card of store.outbox) ws.send(JSON.stringify({type: "add_card", id: card.id, title: card.title}));
    heard(ws);
  });
  ws.addEventListener("message", (ev) => { heard(ws); receive(ws, JSON.parse(ev.data)); });
  ws.addEventListener("close", () => { clearTimeout(connectTimer); if (socket === ws) lost(); });
}

function heard(ws) {
  if (bugs.includes("no_heartbeat")) return;   // seeded bug: never notices a dead link
  clearTimeout(watchdog);
  watchdog = setTimeout(() => abandon(ws), HEARTBEAT_TIMEOUT_MS);
}

function abandon(ws) {
  if (socket !== ws) return;
  ws.close();
  lost();
}

function lost() {
  clearTimeout(watchdog);
  socket = null;
  setState("reconnecting");
  const delay = Math.min(CAP_MS, BASE_MS * 2 ** store.attempt) * (0.5 + Math.random() / 2);   // attempt: tries since the loss
  retry = setTimeout(connect, delay);
}

function receive(ws, msg) {
  if (msg.type === "welcome") {
    store.instance = msg.instance;
  } else if (msg.type === "receipt") {
    store.outbox = store.outbox.filter((c) => c.id !== msg.id);
    const card = store.cards.find((c) => c.id === msg.id);
    if (card) card.pending = false;
  } else if (msg.type === "card") {
    store.cards.push({...msg.card, pending: false});
  } else if (msg.type === "ping") {
    ws.send(JSON.stringify({type: "pong"}));
  }
  changed();
}

export function addCard(title) {
  const card = {id: crypto.randomUUID(), title, pending: true};
  store.cards.push(card);
  store.outbox.push(card);
  if (socket && socket.readyState === WebSocket.OPEN) {
    socket.send(JSON.stringify({type: "add_card", id: card.id, title}));
  }
  changed();
}
