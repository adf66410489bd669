/**
 * The Home Assistant card of the Network & Cloud page: the `homeAssistant` settings and the state of
 * the connection (docs/home-assistant.md).
 */
import type { SchemaForm } from '../form/schema-form.ts';
import { api } from '../lib/api.ts';
import { fill, h } from '../lib/dom.ts';
import { card, note } from './page.ts';

type Status = {
  state: 'disabled' | 'connecting' | 'online' | 'waiting' | 'stopped';
  broker?: string;
  lastError?: string;
  connectedAt?: number;
  retryInMs?: number;
  prefix?: string;
  entities: number;
};

function describe(s: Status): string {
  if (s.state === 'online')
    return `Connected to ${s.broker} since ${new Date(s.connectedAt ?? 0).toLocaleString()}; ${s.entities} entities announced under ${s.prefix}/.`;
  if (s.state === 'waiting')
    return `Not connected (${s.lastError ?? 'unknown error'}); next try in ${Math.ceil((s.retryInMs ?? 0) / 1000)} s.`;
  if (s.state === 'connecting') return `Connecting to ${s.broker}…`;
  return s.lastError && s.lastError !== 'homeAssistant.enabled is off' ? `Off: ${s.lastError}` : 'Off.';
}

export function homeAssistantCard(f: SchemaForm): HTMLElement {
  const status = h('p', { class: 'ha-status', role: 'status', 'aria-live': 'polite' }, 'Loading…');
  api.get<Status>('/integrations/home-assistant').then(
    (s) => fill(status, describe(s)),
    (err) => fill(status, h('span', { class: 'error' }, (err as Error).message)),
  );
  return card(
    'Home Assistant',
    note(
      "MQTT discovery on the smart home's broker: the door phone appears in Home Assistant with its doorbell, door locks and sensors. Turning it off removes the entities.",
    ),
    status,
    ...f.fieldsOf(['homeAssistant']),
  );
}
