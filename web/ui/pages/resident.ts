/**
 * The resident's page (indoor monitor role): large buttons for a touch screen. Ringing: who is at
 * the door (a door of the list, or an unknown caller), Answer and Decline. In a call: Open for each
 * relay of that door, Hang up. Idle: the doors (Look: call the door), Do Not Disturb, and the inbox
 * with its unread count. Live over the events stream; every text is a text node (messages are plain
 * text, never HTML).
 */
import { ApiFailure, api } from '../lib/api.ts';
import { fill, fmtClock, h, toast } from '../lib/dom.ts';
import { type Page, pageEl } from './page.ts';

type Relay = { relay: number; letter: string; name: string; unlock: 'dtmf' | 'http' };
type Door = { id: number; name: string; address: string; relays: Relay[] };
type Call = {
  call: { id: string; direction: 'incoming' | 'outgoing'; peer: string; peerName: string; state: string };
  door: { index: number; name: string } | null;
  relays: Relay[];
};
type State = { dnd: boolean; doors: Door[]; calls: Call[]; unread: number };
type Message = { id: string; title: string; text: string; receivedAt: number; read: boolean };

const LIVE = [
  'monitor.call',
  'monitor.ringing',
  'monitor.opened',
  'call.closed',
  'call.established',
  'message.received',
  'message.read',
  'config.changed',
];

async function act(what: string, fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    toast(`${what}: ${err instanceof ApiFailure ? err.message : String(err)}`, 'error');
  }
}

export const residentPage: Page = {
  id: 'resident',
  title: 'Resident',
  render(ctx) {
    const callBox = h('section', { class: 'resident-call', 'aria-live': 'assertive', id: 'resident-call' });
    const doorsBox = h('section', { class: 'resident-doors card', 'aria-label': 'Doors' });
    const inboxBox = h('section', { class: 'resident-inbox card', 'aria-label': 'Messages' });
    const dndButton = h('button', { type: 'button', class: 'big', id: 'resident-dnd', 'aria-pressed': 'false' }, 'DND');
    const badge = h('span', { class: 'badge unread', id: 'unread-badge', hidden: true }, '0');
    let state: State = { dnd: false, doors: [], calls: [], unread: 0 };
    let messages: Message[] = [];
    let opened: string | undefined;

    const renderCall = () => {
      const active = state.calls.filter((c) => c.call.state !== 'closed');
      const ringing = active.find((c) => c.call.direction === 'incoming' && c.call.state === 'incoming');
      const inCall = active.find((c) => c.call.state === 'established');
      const calling = active.find((c) => c.call.direction === 'outgoing' && c.call.state !== 'established');
      const who = (c: Call) => (c.door ? c.door.name : 'Unknown caller');
      const id = (c: Call) => encodeURIComponent(c.call.id);
      if (inCall) {
        fill(
          callBox,
          h('p', { class: 'resident-who', 'data-state': 'in-call' }, `In call: ${who(inCall)}`),
          inCall.door ? null : h('p', { class: 'note' }, 'Not a door of the list: nothing to open.'),
          h(
            'div',
            { class: 'resident-actions' },
            ...inCall.relays.map((r) =>
              h(
                'button',
                {
                  type: 'button',
                  class: 'big primary',
                  'data-relay': String(r.relay),
                  onclick: () =>
                    void act('Open', async () => {
                      await api.post(`/monitor/calls/${id(inCall)}/open/${r.relay}`);
                      toast(`${r.name} (${inCall.door?.name ?? ''}): opened`);
                    }),
                },
                r.name,
              ),
            ),
            h(
              'button',
              {
                type: 'button',
                class: 'big danger',
                id: 'resident-hangup',
                onclick: () => void act('Hang up', () => api.post(`/monitor/calls/${id(inCall)}/hangup`)),
              },
              'Hang up',
            ),
          ),
        );
      } else if (ringing) {
        fill(
          callBox,
          h('p', { class: 'resident-who', 'data-state': 'ringing' }, `Ringing: ${who(ringing)}`),
          ringing.door ? null : h('p', { class: 'note' }, ringing.call.peer),
          h(
            'div',
            { class: 'resident-actions' },
            h(
              'button',
              {
                type: 'button',
                class: 'big primary',
                id: 'resident-answer',
                onclick: () => void act('Answer', () => api.post(`/monitor/calls/${id(ringing)}/answer`)),
              },
              'Answer',
            ),
            h(
              'button',
              {
                type: 'button',
                class: 'big danger',
                id: 'resident-decline',
                onclick: () => void act('Decline', () => api.post(`/monitor/calls/${id(ringing)}/decline`)),
              },
              'Decline',
            ),
          ),
        );
      } else if (calling) {
        fill(
          callBox,
          h('p', { class: 'resident-who', 'data-state': 'calling' }, `Calling ${who(calling)}…`),
          h(
            'button',
            {
              type: 'button',
              class: 'big danger',
              onclick: () => void act('Hang up', () => api.post(`/monitor/calls/${id(calling)}/hangup`)),
            },
            'Hang up',
          ),
        );
      } else fill(callBox, h('p', { class: 'resident-who', 'data-state': 'idle' }, 'No call'));
    };

    const renderDoors = () => {
      dndButton.setAttribute('aria-pressed', String(state.dnd));
      dndButton.textContent = state.dnd ? 'Do Not Disturb: on' : 'Do Not Disturb: off';
      fill(
        doorsBox,
        h('h2', {}, 'Doors'),
        state.doors.length === 0
          ? h('p', { class: 'note' }, 'No doors yet: add them on the Indoor Monitor page.')
          : null,
        h(
          'div',
          { class: 'resident-actions' },
          ...state.doors.map((d) =>
            h(
              'button',
              {
                type: 'button',
                class: 'big',
                'data-door': String(d.id),
                onclick: () => void act('Call the door', () => api.post(`/monitor/doors/${d.id}/call`)),
              },
              `Look: ${d.name}`,
            ),
          ),
          dndButton,
        ),
      );
    };

    const renderInbox = () => {
      const unread = messages.filter((m) => !m.read).length;
      badge.textContent = String(unread);
      badge.hidden = unread === 0;
      fill(
        inboxBox,
        h('h2', {}, 'Messages ', badge),
        messages.length === 0 ? h('p', { class: 'note' }, 'No messages.') : null,
        h(
          'ul',
          { class: 'resident-messages' },
          ...messages.map((m) =>
            h(
              'li',
              { 'data-message': m.id, class: m.read ? 'read' : 'unread' },
              h(
                'button',
                {
                  type: 'button',
                  class: 'message-title',
                  'aria-expanded': String(opened === m.id),
                  onclick: () => {
                    opened = opened === m.id ? undefined : m.id;
                    renderInbox();
                    if (!m.read)
                      void act('Mark read', () => api.post(`/monitor/messages/${encodeURIComponent(m.id)}/read`));
                  },
                },
                m.read ? '' : '● ',
                m.title,
                h('span', { class: 'muted' }, ` · ${fmtClock(m.receivedAt)}`),
              ),
              opened === m.id ? h('p', { class: 'message-text' }, m.text) : null,
            ),
          ),
        ),
      );
    };

    const refresh = async () => {
      try {
        const [s, m] = await Promise.all([
          api.get<State>('/monitor'),
          api.get<{ messages: Message[] }>('/monitor/messages'),
        ]);
        state = s;
        messages = m.messages;
      } catch (err) {
        fill(callBox, h('p', { class: 'error' }, (err as Error).message));
        return;
      }
      renderCall();
      renderDoors();
      renderInbox();
    };
    dndButton.addEventListener(
      'click',
      () => void act('DND', () => api.call('PUT', '/monitor/dnd', { body: { on: !state.dnd } }).then(refresh)),
    );
    const offs = [
      ctx.live.on('resync', () => void refresh()),
      ...LIVE.map((e) => ctx.live.on(e, () => void refresh())),
    ];
    void refresh();
    return {
      el: pageEl('Resident', callBox, h('div', { class: 'grid' }, doorsBox, inboxBox)),
      leave: () => {
        for (const off of offs) off();
      },
    };
  },
};
