/**
 * The states Home Assistant reads (retained), computed from the services at the moment: relays
 * (a lock is OPEN while its relay is energized, else LOCKED), inputs, SIP registrations, the call
 * in progress, and what the module remembers (the last caller, the last door opening).
 */
import type { InputState, RelayState } from '../../../hal/types.ts';
import type { CallInfo, Registration } from '../../../sip/engine.ts';
import type { Config } from '../../config/index.ts';
import { FINAL_STEPS, type FirmwareOffer, type FirmwareUpdate } from '../../firmware/index.ts';
import { LOCK } from './discovery.ts';
import type { HaTopics } from './topics.ts';

export type StateSource = {
  config: Config;
  relays: RelayState[];
  inputs: InputState[];
  registrations: Registration[];
  calls: CallInfo[];
  lastCaller: string;
  lastDoor: { method: string; actor: string; relay: number; name: string; time: string } | undefined;
  /** The firmware: the running version, the update in progress or the last one, what is offered. */
  firmware?: { installed: string; update: FirmwareUpdate | null; offer: FirmwareOffer | undefined };
};

/** Home Assistant caps release_summary at 255 characters. */
const SUMMARY_MAX = 255;

/**
 * The `update` entity's state (JSON, as Home Assistant's MQTT update documents it): installed and
 * latest version, in_progress and update_percentage from the update's steps. latest_version is the
 * version being installed, else the one offered, else the installed one (nothing to install).
 */
export function firmwareState(f: NonNullable<StateSource['firmware']>): Record<string, unknown> {
  const u = f.update;
  const running = !!u && !FINAL_STEPS.includes(u.step);
  const latest = (running ? (u.bundleVersion ?? u.version) : undefined) ?? f.offer?.version ?? f.installed;
  let summary: string | undefined;
  if (running) summary = `${u.step}${u.message ? `: ${u.message}` : ''}`;
  else if (f.offer?.from === 'cloud')
    summary = `offered by the cloud${f.offer.notBefore ? `, scheduled for ${f.offer.notBefore}` : ''}`;
  else if (f.offer?.from === 'retry')
    summary = `the last update did not install: ${u?.error ?? u?.message ?? u?.step ?? ''}`;
  return {
    installed_version: f.installed,
    latest_version: latest,
    title: 'Portier firmware',
    in_progress: running,
    update_percentage: running && u.percent !== undefined ? u.percent : null,
    ...(summary ? { release_summary: summary.slice(0, SUMMARY_MAX) } : {}),
  };
}

const onOff = (v: boolean) => (v ? 'ON' : 'OFF');

/** What the call feature is doing: idle, calling (dialing, ringing out), ringing (incoming), connected. */
export function callState(calls: CallInfo[]): 'idle' | 'calling' | 'ringing' | 'connected' {
  const live = calls.filter((c) => c.state !== 'closed');
  if (live.some((c) => c.state === 'established')) return 'connected';
  if (live.some((c) => c.state === 'incoming')) return 'ringing';
  return live.length ? 'calling' : 'idle';
}

/** topic → payload of every state. */
export function stateMessages(t: HaTopics, s: StateSource): Map<string, string> {
  const out = new Map<string, string>();
  s.config.relays.forEach((r, i) => {
    if (!r.enabled || r.mode !== 'monostable') return;
    out.set(t.relayState(i + 1), s.relays[i]?.on ? LOCK.opened : LOCK.locked);
  });
  s.config.inputs.forEach((input, i) => {
    if (input.enabled) out.set(t.input(i + 1), onOff(!!s.inputs[i]?.active));
  });
  s.config.accounts.forEach((a, i) => {
    if (!a.enabled) return;
    const account = String(i + 1);
    out.set(t.sip(account), onOff(s.registrations.some((r) => r.account === account && r.state === 'registered')));
  });
  const state = callState(s.calls);
  out.set(t.callActive, onOff(state !== 'idle'));
  out.set(t.callState, state);
  out.set(t.lastCaller, s.lastCaller);
  out.set(t.lastDoor, JSON.stringify(s.lastDoor ?? { method: 'none' }));
  if (s.firmware) out.set(t.firmware, JSON.stringify(firmwareState(s.firmware)));
  return out;
}
