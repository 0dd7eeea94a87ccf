// The console's single page: hash routes, one Server-Sent Events stream for live updates, and the read-only switch.
// Nothing here polls: pages load once and again only when an event says their data changed.

import { ApiError, get, write } from './api.js';
import { h, replace } from './dom.js';
import { tickTimes } from './widgets.js';
import { mountOverview } from './overview.js';
import { mountEntity } from './entity.js';
import { mountRules } from './rules.js';
import { mountSilences } from './silences.js';
import { mountPenalties } from './penalties.js';
import { mountDeliveries } from './deliveries.js';

const EVENT_TYPES = ['alert', 'metric', 'penalty', 'delivery', 'silence', 'rule'];

const ROUTES = [
  { pattern: /^#?\/?$/, nav: '#/', title: 'Overview', mount: mountOverview },
  { pattern: /^#\/entity\/(.+)$/, nav: '#/', title: 'Entity', mount: mountEntity },
  { pattern: /^#\/rules\/?$/, nav: '#/rules', title: 'Rules', mount: mountRules },
  { pattern: /^#\/silences\/?$/, nav: '#/silences', title: 'Silences', mount: mountSilences },
  { pattern: /^#\/penalties\/?$/, nav: '#/penalties', title: 'Penalties', mount: mountPenalties },
  { pattern: /^#\/deliveries\/?$/, nav: '#/deliveries', title: 'Deliveries', mount: mountDeliveries },
];

const view = document.getElementById('view');
const messages = document.getElementById('messages');
const liveStatus = document.getElementById('live-status');
let current = null;
// The server's clock minus ours, so "3 min ago" agrees with the server's times on a machine whose clock is off.
let skewMs = 0;

/** ctx is what every page gets: the clock, whether writes are allowed, and how to send one. */
const ctx = {
  writable: false,
  deployment: null,
  now: () => Date.now() + skewMs,
  /** act runs a write from a button: disabled meanwhile, the server's refusal shown, the page reloaded after. */
  async act(button, action) {
    button.disabled = true;
    try {
      const done = await action();
      if (done) notify(done, 'ok');
      current?.refresh();
    } catch (err) {
      notify(err.message, 'error');
    } finally {
      button.disabled = false;
    }
  },
  write: (method, path, body) => write(method, path, body, askToken),
  notify: (text, kind) => notify(text, kind),
  /** deployment settles the read-only switch from an overview answer (every page's load may pass one). */
  learn(overview) {
    if (!overview?.deployment) return;
    skewMs = typeof overview.now_ms === 'number' ? overview.now_ms - Date.now() : skewMs;
    ctx.deployment = overview.deployment;
    setWritable(overview.deployment.writable === true);
    const where = document.getElementById('deployment');
    replace(where, `topics ${overview.deployment.topic_prefix || '(no prefix)'} · keys ${overview.deployment.redis_key_prefix || '(no prefix)'}`);
  },
};

function setWritable(writable) {
  ctx.writable = writable;
  document.body.classList.toggle('read-only', !writable);
  document.getElementById('read-only-note').hidden = writable;
}

/** notify shows a message: errors stay until dismissed (they carry the server's reason), confirmations fade. */
function notify(text, kind = 'ok') {
  const close = h('button', { type: 'button', class: 'link', 'aria-label': 'Dismiss' }, '×');
  const item = h('div', { class: `message message-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, h('span', {}, text), close);
  close.addEventListener('click', () => item.remove());
  messages.append(item);
  if (kind !== 'error') setTimeout(() => item.remove(), 6000);
}

/** askToken asks for the API token in a dialog; resolves to the token, or null when cancelled. */
function askToken(reason) {
  const dialog = document.getElementById('token-dialog');
  const input = document.getElementById('token-input');
  const why = document.getElementById('token-reason');
  why.textContent = reason ? `The console refused the token: ${reason}` : '';
  why.hidden = !reason;
  input.value = '';
  // Escape closes the dialog without changing returnValue: clear the previous answer first.
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok' && input.value.trim() !== '' ? input.value.trim() : null), { once: true });
    dialog.showModal();
  });
}

function route() {
  const hash = location.hash || '#/';
  const match = ROUTES.map((r) => ({ r, m: r.pattern.exec(hash) })).find((x) => x.m);
  current?.destroy();
  for (const link of document.querySelectorAll('nav.sections a')) {
    if (link.getAttribute('href') === (match?.r.nav ?? '')) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const root = h('div', { class: 'page' });
  replace(view, root);
  if (!match) {
    document.title = 'Not found · callwatch';
    root.append(h('div', { class: 'empty' }, h('p', { class: 'empty-title' }, `No page at ${hash}`), h('p', {}, h('a', { href: '#/' }, 'Back to the overview'))));
    current = null;
    return;
  }
  const params = match.m.slice(1).map((p) => decodeURIComponent(p));
  document.title = `${match.r.title} · callwatch`;
  current = match.r.mount(root, params, ctx);
  void current.refresh();
}

function connectEvents() {
  const source = new EventSource('api/events');
  let everOpen = false;
  source.addEventListener('open', () => {
    liveStatus.textContent = 'live';
    liveStatus.className = 'live-status live';
    // After a reconnect the page may have missed events: load it again once.
    if (everOpen) current?.refresh();
    everOpen = true;
  });
  source.addEventListener('error', () => {
    liveStatus.textContent = 'reconnecting…';
    liveStatus.className = 'live-status down';
  });
  for (const type of EVENT_TYPES) {
    source.addEventListener(type, (event) => {
      let data;
      try {
        data = JSON.parse(event.data);
      } catch {
        return;
      }
      current?.onEvent(type, data);
    });
  }
}

async function start() {
  try {
    ctx.learn(await get('api/overview'));
  } catch (err) {
    notify(err instanceof ApiError ? err.message : String(err), 'error');
  }
  window.addEventListener('hashchange', route);
  route();
  connectEvents();
  setInterval(() => tickTimes(document, ctx.now), 15_000);
}

void start();
