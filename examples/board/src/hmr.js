// The dev server's hot-reload channel (like Vite's client): one more WebSocket on the page.
const socket = new WebSocket(`ws://${location.host}/__hmr`);
socket.addEventListener("message", (ev) => {
  const msg = JSON.parse(ev.data);
  if (msg.type === "connected") console.debug("[hmr] connected");
});
