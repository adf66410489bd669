/**
 * Relays, inputs and (dev run) the simulated input lines, live: a snapshot from /system/status,
 * then relay.changed / input.changed events. Relay buttons trigger or switch them over the API.
 */
import type { InputState, RelayState, SimGpioControl } from '../../../hal/types.ts';
import { api } from '../lib/api.ts';
import { fill, fmtClock, h, toast } from '../lib/dom.ts';
import type { Live } from '../lib/live.ts';

/** As the API shows them (web/routes/views.ts): the HAL's state with a 1-based id. */
export type Relay = RelayState & { id: number };
export type Input = InputState & { id: number; line: string; relay: number };
export type SimLine = ReturnType<SimGpioControl['lines']>[number];
export type Registration = { account: string; label: string; state: string; reason?: string; code?: number };
export type Status = {
  services: Record<string, boolean>;
  registrations: Registration[];
  relays: Relay[];
  inputs: Input[];
  sim: SimLine[] | null;
};

export class DoorState {
  status: Status | undefined;
  #listeners = new Set<() => void>();
  #offs: (() => void)[] = [];

  constructor(live: Live) {
    this.#offs.push(
      live.on('resync', () => void this.refresh()),
      live.on('relay.changed', (d) => {
        const e = d as { index: number; on: boolean; at: number };
        const r = this.status?.relays.find((x) => x.index === e.index);
        if (r) Object.assign(r, { on: e.on, changedAt: e.at });
        this.#changed();
      }),
      live.on('input.changed', (d) => {
        const e = d as { index: number; active: boolean; at: number };
        const i = this.status?.inputs.find((x) => x.index === e.index);
        if (i) Object.assign(i, { active: e.active, changedAt: e.at });
        // the simulated line follows its input
        const line = i && this.status?.sim?.find((l) => l.line === i.line);
        if (line) line.active = e.active;
        this.#changed();
      }),
      live.on('sip.registration', (d) => {
        const r = d as Registration;
        if (!this.status) return;
        const i = this.status.registrations.findIndex((x) => x.account === r.account);
        const prev = this.status.registrations[i];
        const next = { ...r, label: prev?.label ?? '' };
        if (i >= 0) this.status.registrations[i] = next;
        else this.status.registrations.push(next);
        this.#changed();
      }),
    );
  }

  async refresh(): Promise<void> {
    try {
      this.status = await api.get<Status>('/system/status');
    } catch {
      // keep what we have; the shell shows the connection state
    }
    this.#changed();
  }

  onChange(fn: () => void): void {
    this.#listeners.add(fn);
    if (this.status) fn();
  }

  leave(): void {
    for (const off of this.#offs.splice(0)) off();
    this.#listeners.clear();
  }

  #changed(): void {
    for (const fn of this.#listeners) fn();
  }
}

async function call(path: string): Promise<void> {
  try {
    await api.post(path);
  } catch (err) {
    toast((err as Error).message, 'error');
  }
}

export function relaysView(state: DoorState): HTMLElement {
  const wrap = h('div');
  state.onChange(() => {
    const s = state.status;
    if (!s?.services.relays) return fill(wrap, h('p', { class: 'muted' }, 'The relay service is not running.'));
    fill(
      wrap,
      h(
        'table',
        { class: 'relays', 'aria-label': 'Relays' },
        h('thead', {}, h('tr', {}, ...['Relay', 'Name', 'State', 'Since', ''].map((t) => h('th', {}, t)))),
        h(
          'tbody',
          {},
          ...s.relays.map((r) =>
            h(
              'tr',
              { 'data-relay': r.id, 'data-on': String(r.on) },
              h('td', {}, String(r.id)),
              h('td', {}, r.name),
              h(
                'td',
                {},
                !r.enabled
                  ? h('span', { class: 'badge' }, 'disabled')
                  : r.error
                    ? h('span', { class: 'badge bad', title: r.error }, 'error')
                    : h(
                        'span',
                        { class: `badge ${r.on ? 'on' : ''}`, 'data-state': r.on ? 'on' : 'off' },
                        r.on ? 'ON' : 'OFF',
                      ),
              ),
              h('td', { class: 'muted' }, fmtClock(r.changedAt)),
              h(
                'td',
                { class: 'row-actions' },
                r.enabled && !r.error
                  ? r.mode === 'bistable'
                    ? [
                        h('button', { type: 'button', onclick: () => void call(`/relays/${r.id}/on`) }, 'On'),
                        h('button', { type: 'button', onclick: () => void call(`/relays/${r.id}/off`) }, 'Off'),
                      ]
                    : h(
                        'button',
                        { type: 'button', 'data-trigger': r.id, onclick: () => void call(`/relays/${r.id}/trigger`) },
                        'Open',
                      )
                  : null,
              ),
            ),
          ),
        ),
      ),
    );
  });
  return wrap;
}

export function inputsView(state: DoorState, dev: boolean): HTMLElement {
  const wrap = h('div');
  state.onChange(() => {
    const s = state.status;
    if (!s?.services.inputs) return fill(wrap, h('p', { class: 'muted' }, 'The input service is not running.'));
    const sim = dev && s.sim ? new Map(s.sim.map((l) => [l.line, l])) : undefined;
    fill(
      wrap,
      h(
        'table',
        { class: 'inputs', 'aria-label': 'Inputs' },
        h(
          'thead',
          {},
          h('tr', {}, ...['Input', 'Name', 'Role', 'State', 'Since', sim ? 'Simulate' : ''].map((t) => h('th', {}, t))),
        ),
        h(
          'tbody',
          {},
          ...s.inputs.map((i) => {
            const line = sim?.get(i.line);
            return h(
              'tr',
              { 'data-input': i.id, 'data-active': String(i.active) },
              h('td', {}, String(i.id)),
              h('td', {}, i.name),
              h('td', {}, i.role),
              h(
                'td',
                {},
                !i.enabled
                  ? h('span', { class: 'badge' }, 'disabled')
                  : i.error
                    ? h('span', { class: 'badge bad', title: i.error }, 'error')
                    : h(
                        'span',
                        { class: `badge ${i.active ? 'on' : ''}`, 'data-state': i.active ? 'active' : 'idle' },
                        i.active ? 'ACTIVE' : 'idle',
                      ),
              ),
              h('td', { class: 'muted' }, fmtClock(i.changedAt)),
              h(
                'td',
                { class: 'row-actions' },
                line && i.enabled
                  ? h(
                      'button',
                      {
                        type: 'button',
                        class: 'sim',
                        'data-sim': line.line,
                        'aria-pressed': String(line.active),
                        'aria-label': `${line.active ? 'Release' : 'Press'} ${line.line}`,
                        title: `simulated line ${line.line}`,
                        onclick: () =>
                          void call(`/sim/lines/${encodeURIComponent(line.line)}/${line.active ? 'release' : 'press'}`),
                      },
                      line.active ? 'Release' : 'Press',
                    )
                  : null,
              ),
            );
          }),
        ),
      ),
    );
  });
  return wrap;
}

export function registrationsView(state: DoorState): HTMLElement {
  const wrap = h('div');
  state.onChange(() => {
    const s = state.status;
    if (!s?.services.sip) return fill(wrap, h('p', { class: 'muted' }, 'The SIP engine is not running.'));
    if (s.registrations.length === 0) return fill(wrap, h('p', { class: 'muted' }, 'No SIP account is enabled.'));
    fill(
      wrap,
      h(
        'table',
        { class: 'registrations', 'aria-label': 'SIP registrations' },
        h('thead', {}, h('tr', {}, ...['Account', 'Label', 'State', 'Reason'].map((t) => h('th', {}, t)))),
        h(
          'tbody',
          {},
          ...s.registrations.map((r) =>
            h(
              'tr',
              { 'data-account': r.account },
              h('td', {}, r.account),
              h('td', {}, r.label),
              h(
                'td',
                {},
                h(
                  'span',
                  { class: `badge ${r.state === 'registered' ? 'on' : r.state === 'failed' ? 'bad' : ''}` },
                  r.state,
                ),
              ),
              h('td', {}, r.reason ?? ''),
            ),
          ),
        ),
      ),
    );
  });
  return wrap;
}
