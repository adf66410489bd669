/**
 * The discovery configs (retained) that make the door phone appear in Home Assistant as one device:
 * a doorbell `event`, a `lock` per monostable relay (a momentary door strike: OPEN pulses it) or a
 * `button` per bistable relay (PRESS toggles it), `binary_sensor`s for the door contacts and the
 * other inputs, SIP registration per account and the call in progress, `sensor`s for the call
 * state, the last caller and the last door opening, and an `update` entity for the firmware (its
 * install command only on a device that can install: RAUC with A/B slots). Every entity has the
 * device's availability.
 */
import type { Config } from '../../config/index.ts';
import type { Component, HaTopics } from './topics.ts';

export type Discovery = { topic: string; component: Component; object: string; config: Record<string, unknown> };

export type DeviceFacts = {
  config: Config;
  deviceId: string;
  version: string;
  /** The device's web UI, for the device page's "Visit" link. */
  webUrl: string;
  /** The firmware updates: present when the agent runs them; `installable` with RAUC's A/B slots. */
  firmware?: { installable: boolean };
};

export const LOCK = { open: 'OPEN', lock: 'LOCK', unlock: 'UNLOCK', locked: 'LOCKED', opened: 'OPEN' } as const;
export const PRESS = 'PRESS';
/** The `update` entity's install command. */
export const INSTALL = 'INSTALL';

export function discoveryConfigs(t: HaTopics, f: DeviceFacts): Discovery[] {
  const c = f.config;
  const id = f.deviceId;
  const device = {
    identifiers: [`portier_${id}`],
    connections: [['mac', c.identity.mac.toLowerCase()]],
    name: c.identity.name || 'Portier',
    manufacturer: 'Portier',
    model: c.identity.model,
    sw_version: f.version,
    configuration_url: f.webUrl,
    ...(c.identity.location ? { suggested_area: c.identity.location } : {}),
  };
  const out: Discovery[] = [];
  const add = (component: Component, object: string, config: Record<string, unknown>) =>
    out.push({
      topic: t.config(component, object),
      component,
      object,
      config: {
        ...config,
        unique_id: `portier_${id}_${object}`,
        availability_topic: t.availability,
        payload_available: 'online',
        payload_not_available: 'offline',
        device,
        origin: { name: 'Portier', sw_version: f.version },
      },
    });

  add('event', 'doorbell', {
    name: 'Doorbell',
    device_class: 'doorbell',
    event_types: ['ring'],
    state_topic: t.doorbell,
  });
  c.relays.forEach((r, i) => {
    if (!r.enabled) return;
    const n = i + 1;
    if (r.mode === 'monostable')
      add('lock', `relay${n}`, {
        name: r.name,
        command_topic: t.relaySet(n),
        state_topic: t.relayState(n),
        payload_open: LOCK.open,
        payload_lock: LOCK.lock,
        payload_unlock: LOCK.unlock,
        state_locked: LOCK.locked,
        state_open: LOCK.opened,
        retain: false,
        qos: 1,
      });
    else
      add('button', `relay${n}`, {
        name: r.name,
        command_topic: t.relayPress(n),
        payload_press: PRESS,
        retain: false,
        qos: 1,
      });
  });
  c.inputs.forEach((input, i) => {
    if (!input.enabled) return;
    const n = i + 1;
    add('binary_sensor', `input${n}`, {
      name: input.name,
      state_topic: t.input(n),
      payload_on: 'ON',
      payload_off: 'OFF',
      ...(input.role === 'door-contact' ? { device_class: 'door' } : {}),
    });
  });
  c.accounts.forEach((a, i) => {
    if (!a.enabled) return;
    const account = String(i + 1);
    add('binary_sensor', `sip${account}`, {
      name: `SIP account ${account} registered`,
      state_topic: t.sip(account),
      payload_on: 'ON',
      payload_off: 'OFF',
      device_class: 'connectivity',
      entity_category: 'diagnostic',
    });
  });
  add('binary_sensor', 'call_active', {
    name: 'Call in progress',
    state_topic: t.callActive,
    payload_on: 'ON',
    payload_off: 'OFF',
  });
  add('sensor', 'call_state', { name: 'Call state', state_topic: t.callState, icon: 'mdi:phone' });
  add('sensor', 'last_caller', { name: 'Last caller', state_topic: t.lastCaller, icon: 'mdi:phone-incoming' });
  add('sensor', 'last_door', {
    name: 'Last door opening',
    state_topic: t.lastDoor,
    value_template: '{{ value_json.method }}',
    json_attributes_topic: t.lastDoor,
    icon: 'mdi:door-open',
  });
  if (f.firmware)
    add('update', 'firmware', {
      name: 'Firmware',
      device_class: 'firmware',
      entity_category: 'config',
      state_topic: t.firmware,
      ...(f.firmware.installable
        ? { command_topic: t.firmwareInstall, payload_install: INSTALL, retain: false, qos: 1 }
        : {}),
    });
  return out;
}
