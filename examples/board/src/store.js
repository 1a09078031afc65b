// The app's state: a module singleton, not on `window`. Other modules import it.
export const store = {
  project: null,
  state: "idle",          // connecting / connected / reconnecting
  attempt: 0,
  instance: null,
  cards: [],              // {id, title, pending}
  outbox: [],             // cards sent but not receipted yet
  snapshot() {
    return {state: this.state, attempt: this.attempt, instance: this.instance,
            queue_length: this.outbox.length, cards: this.cards.length};
  },
};

const listeners = new Set();
export const subscribe = (fn) => listeners.add(fn);
export const changed = () => listeners.forEach((fn) => fn(store));
