// A tiny event hook: declared listeners that can never crash the code that emits.

export class Emitter {
  constructor() {
    this._listeners = new Map();
  }

  /** Subscribe; returns a function that unsubscribes. */
  on(name, fn) {
    if (!this._listeners.has(name)) this._listeners.set(name, new Set());
    this._listeners.get(name).add(fn);
    return () => this._listeners.get(name)?.delete(fn);
  }

  emit(name, payload) {
    for (const fn of [...(this._listeners.get(name) || [])]) {
      try {
        fn(payload);
      } catch (err) {
        // A broken listener (UI, monitor) must not break the connection logic.
        if (typeof console !== 'undefined') console.warn(`listener for ${name} failed:`, err);
      }
    }
  }
}
