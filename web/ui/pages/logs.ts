/** Call log and door log, newest first, paged. Every text is shown as text (caller names are untrusted). */
import type { CallLogEntry as CallEntry, DoorLogEntry as DoorEntry } from '../../../agent/logs/types.ts';
import { api } from '../lib/api.ts';
import { fill, fmtDuration, fmtTime, h } from '../lib/dom.ts';
import { card, type Page, pageEl } from './page.ts';

const PAGE = 25;

function pagedTable<T>(
  path: string,
  label: string,
  headers: string[],
  row: (e: T) => HTMLElement,
): { el: HTMLElement; reload: () => void } {
  let offset = 0;
  const body = h('div');
  const load = async () => {
    try {
      const r = await api.get<{ total: number; entries: T[] }>(path, { offset, limit: PAGE });
      const pager = h(
        'div',
        { class: 'pager' },
        h(
          'button',
          {
            type: 'button',
            disabled: offset === 0,
            onclick: () => {
              offset = Math.max(0, offset - PAGE);
              void load();
            },
          },
          'Newer',
        ),
        h('span', {}, r.total ? `${offset + 1}–${Math.min(offset + PAGE, r.total)} of ${r.total}` : 'empty'),
        h(
          'button',
          {
            type: 'button',
            disabled: offset + PAGE >= r.total,
            onclick: () => {
              offset += PAGE;
              void load();
            },
          },
          'Older',
        ),
      );
      fill(
        body,
        h(
          'table',
          { class: 'log', 'aria-label': label },
          h('thead', {}, h('tr', {}, ...headers.map((t) => h('th', {}, t)))),
          h('tbody', {}, ...r.entries.map(row)),
        ),
        pager,
      );
    } catch (err) {
      fill(body, h('p', { class: 'muted' }, (err as Error).message));
    }
  };
  void load();
  return { el: body, reload: () => void load() };
}

export const logsPage: Page = {
  id: 'logs',
  title: 'Logs',
  render(ctx) {
    const calls = pagedTable<CallEntry>(
      '/logs/calls',
      'Call log',
      ['Time', 'Direction', 'Name', 'Peer', 'Account', 'Result', 'Duration', 'Reason'],
      (e) =>
        h(
          'tr',
          { 'data-call': e.id },
          h('td', {}, fmtTime(e.startedAt)),
          h('td', {}, e.direction),
          h('td', { class: 'peer-name' }, e.peerName),
          h('td', { class: 'peer' }, e.peer),
          h('td', {}, e.account ?? 'IP'),
          h('td', {}, e.result),
          h('td', {}, e.answeredAt ? fmtDuration(e.endedAt - e.answeredAt) : ''),
          h('td', {}, e.reason),
        ),
    );
    const door = pagedTable<DoorEntry>('/logs/door', 'Door log', ['Time', 'Relay', 'Method', 'By'], (e) =>
      h(
        'tr',
        {},
        h('td', {}, fmtTime(e.at)),
        h('td', {}, `${e.relay + 1} ${e.relayName}`),
        h('td', {}, e.method),
        h('td', {}, e.by),
      ),
    );
    const offs = [
      ctx.live.on('call.closed', () => setTimeout(calls.reload, 300)),
      ctx.live.on('door.opened', () => setTimeout(door.reload, 300)),
    ];
    return {
      el: pageEl('Logs', card('Call log', calls.el), card('Door log', door.el)),
      leave: () => {
        for (const off of offs) off();
      },
    };
  },
};
