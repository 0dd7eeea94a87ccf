// The life of a page: load its data, draw it, and draw it again when a server event says it changed. Events are
// gathered for a moment so a burst of them costs one request, not one each.

import { h, replace } from './dom.js';

const GATHER_MS = 700;

/** errorState tells that a page could not load and why, in the server's words. */
export const errorState = (err) => h('div', { class: 'error-state', role: 'alert' },
  h('p', { class: 'empty-title' }, 'This page could not be loaded'), h('p', {}, err.message));

/**
 * liveView loads data with `load()`, draws `render(data)` into `root`, and loads again when `wants(type, data)` holds
 * for a server event. Returns the page's controller: { refresh, onEvent, destroy }.
 */
export function liveView(root, { load, render, wants }) {
  let timer = null;
  let running = false;
  let again = false;
  let gone = false;

  async function refresh() {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      const data = await load();
      if (!gone) replace(root, render(data));
    } catch (err) {
      if (!gone) replace(root, errorState(err));
    } finally {
      running = false;
      if (again && !gone) {
        again = false;
        void refresh();
      }
    }
  }

  return {
    refresh,
    onEvent(type, data) {
      if (gone || timer !== null || !wants(type, data)) return;
      timer = setTimeout(() => {
        timer = null;
        void refresh();
      }, GATHER_MS);
    },
    destroy() {
      gone = true;
      clearTimeout(timer);
    },
  };
}
