/** The calls in progress, kept live: a snapshot from the API, then the bus's call events. */
import { api } from '../lib/api.ts';
import type { Live } from '../lib/live.ts';

export type CallInfo = {
  id: string;
  direction: 'incoming' | 'outgoing';
  account: string | null;
  peer: string;
  peerName: string;
  state: 'dialing' | 'ringing' | 'incoming' | 'established' | 'closed';
  startedAt: number;
  answeredAt?: number;
};

const UPDATES = ['call.incoming', 'call.outgoing', 'call.ringing', 'call.established', 'call.media', 'call.dtmf'];

export class CallStore {
  calls = new Map<string, CallInfo>();
  available = true;
  #listeners = new Set<() => void>();
  #offs: (() => void)[] = [];

  constructor(live: Live) {
    this.#offs.push(
      live.on('resync', () => void this.refresh()),
      ...UPDATES.map((name) =>
        live.on(name, (d) => {
          const call = (d as { call: CallInfo }).call;
          this.calls.set(call.id, { ...this.calls.get(call.id), ...call });
          this.#changed();
        }),
      ),
      live.on('call.closed', (d) => {
        this.calls.delete((d as { call: CallInfo }).call.id);
        this.#changed();
      }),
    );
  }

  async refresh(): Promise<void> {
    try {
      const r = await api.get<{ calls: CallInfo[] }>('/calls');
      this.calls = new Map(r.calls.map((c) => [c.id, c]));
      this.available = true;
    } catch {
      this.available = false;
    }
    this.#changed();
  }

  list(): CallInfo[] {
    return [...this.calls.values()].sort((a, b) => a.startedAt - b.startedAt);
  }

  onChange(fn: () => void): void {
    this.#listeners.add(fn);
  }

  leave(): void {
    for (const off of this.#offs.splice(0)) off();
    this.#listeners.clear();
  }

  #changed(): void {
    for (const fn of this.#listeners) fn();
  }
}
