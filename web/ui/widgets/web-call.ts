/**
 * Web Call: choose the account (or direct IP), enter the number or address, Dial Out; the calls in
 * progress with Answer / Hang up, and a DTMF keypad for the established call.
 */
import { ApiFailure, api } from '../lib/api.ts';
import { fill, h, toast } from '../lib/dom.ts';
import type { PageContext } from '../pages/page.ts';
import { type CallInfo, CallStore } from './calls-store.ts';

type Account = { enabled: boolean; label: string; user: string; server: string };

export function callRow(c: CallInfo, now: number): HTMLElement {
  const since = c.answeredAt ?? c.startedAt;
  return h(
    'tr',
    { 'data-call': c.id, 'data-state': c.state },
    h('td', {}, c.direction === 'incoming' ? 'In' : 'Out'),
    h('td', { class: 'peer-name' }, c.peerName || '—'),
    h('td', { class: 'peer' }, c.peer),
    h('td', {}, c.account ? `Account ${c.account}` : 'Direct IP'),
    h('td', { class: 'call-state' }, c.state),
    h('td', {}, `${Math.max(0, Math.round((now - since) / 1000))} s`),
    h(
      'td',
      { class: 'row-actions' },
      c.direction === 'incoming' && c.state === 'incoming'
        ? h('button', { type: 'button', onclick: () => void act(c.id, 'answer') }, 'Answer')
        : null,
      h('button', { type: 'button', class: 'danger', onclick: () => void act(c.id, 'hangup') }, 'Hang up'),
    ),
  );
}

async function act(id: string, what: 'answer' | 'hangup'): Promise<void> {
  try {
    await api.post(`/calls/${encodeURIComponent(id)}/${what}`);
  } catch (err) {
    toast((err as Error).message, 'error');
  }
}

export function callsTable(store: CallStore): HTMLElement {
  const body = h('tbody');
  const empty = h('p', { class: 'muted' }, 'No call in progress.');
  const table = h(
    'table',
    { class: 'calls', 'aria-label': 'Calls in progress' },
    h('thead', {}, h('tr', {}, ...['', 'Name', 'Peer', 'Account', 'State', 'Time', ''].map((t) => h('th', {}, t)))),
    body,
  );
  const wrap = h('div', { class: 'calls-wrap' });
  const render = () => {
    const list = store.list();
    if (!store.available) fill(wrap, h('p', { class: 'muted' }, 'The SIP engine is not running.'));
    else if (list.length === 0) fill(wrap, empty);
    else {
      const now = Date.now();
      fill(body, ...list.map((c) => callRow(c, now)));
      fill(wrap, table);
    }
  };
  store.onChange(render);
  render();
  return wrap;
}

export function webCallPanel(ctx: PageContext): { el: HTMLElement; leave: () => void } {
  const store = new CallStore(ctx.live);
  const accounts = (ctx.config.accounts as Account[]) ?? [];
  const directIp = (ctx.config.directIp as { enabled: boolean }).enabled;
  const account = h(
    'select',
    { id: 'wc-account', name: 'account' },
    ...accounts.map((a, i) =>
      a.enabled
        ? h(
            'option',
            { value: String(i + 1) },
            `Account ${i + 1}${a.label ? ` (${a.label})` : a.user ? ` (${a.user}@${a.server})` : ''}`,
          )
        : null,
    ),
    directIp ? h('option', { value: '' }, 'Direct IP') : null,
  );
  const target = h('input', {
    id: 'wc-target',
    name: 'target',
    type: 'text',
    placeholder: 'number, SIP URI or IP address',
    autocomplete: 'off',
  });
  const error = h('p', { class: 'error', id: 'e-wc-target', role: 'alert', hidden: true });
  const dial = async (e: Event) => {
    e.preventDefault();
    error.hidden = true;
    try {
      await api.post('/calls', { target: target.value, account: account.value || null });
    } catch (err) {
      error.textContent =
        err instanceof ApiFailure && err.problems[0]
          ? `${err.problems[0].key}: ${err.problems[0].message}`
          : (err as Error).message;
      error.hidden = false;
    }
  };
  const keypad = h(
    'div',
    { class: 'keypad', role: 'group', 'aria-label': 'DTMF keypad' },
    ...'123456789*0#'
      .split('')
      .map((d) => h('button', { type: 'button', 'data-digit': d, onclick: () => void sendDigit(d) }, d)),
  );
  const sendDigit = async (d: string) => {
    const call = store.list().find((c) => c.state === 'established');
    if (!call) return toast('DTMF needs an established call', 'error');
    try {
      await api.post(`/calls/${encodeURIComponent(call.id)}/dtmf`, { digits: d });
    } catch (err) {
      toast((err as Error).message, 'error');
    }
  };
  const syncKeypad = () => {
    const on = store.list().some((c) => c.state === 'established');
    keypad.hidden = !on;
  };
  store.onChange(syncKeypad);
  syncKeypad();
  void store.refresh();
  const el = h(
    'div',
    { class: 'web-call' },
    h(
      'form',
      { class: 'row', novalidate: true, onsubmit: dial, 'aria-label': 'Web call' },
      h('label', { for: 'wc-account' }, 'Account'),
      account,
      h('label', { for: 'wc-target' }, 'Number'),
      target,
      h('button', { type: 'submit', class: 'primary', id: 'wc-dial' }, 'Dial Out'),
    ),
    error,
    callsTable(store),
    keypad,
  );
  return { el, leave: () => store.leave() };
}
