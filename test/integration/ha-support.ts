/**
 * Home Assistant's side of MQTT discovery, played by a plain MQTT client (not a test file itself):
 * it subscribes to the discovery prefix and the device's topics, keeps what arrives, and checks
 * each discovery config against the options Home Assistant documents for that component.
 *
 * The option lists below are written from Home Assistant's documentation pages, not from Portier's
 * code: https://www.home-assistant.io/integrations/mqtt/ (discovery, device, availability),
 * event.mqtt, lock.mqtt, button.mqtt, binary_sensor.mqtt, sensor.mqtt, update.mqtt (and the update
 * entity's state attributes: https://developers.home-assistant.io/docs/core/entity/update and the
 * 2024-10-31 developer blog "Changes to the update entity": in_progress a bool, update_percentage).
 */
import assert from 'node:assert/strict';
import mqtt, { type MqttClient } from 'mqtt';

/** Options every MQTT entity documents (entity, availability, device, discovery). */
const COMMON = [
  'availability',
  'availability_mode',
  'availability_template',
  'availability_topic',
  'device',
  'enabled_by_default',
  'encoding',
  'entity_category',
  'entity_picture',
  'icon',
  'json_attributes_template',
  'json_attributes_topic',
  'name',
  'object_id',
  'default_entity_id',
  'origin',
  'payload_available',
  'payload_not_available',
  'platform',
  'qos',
  'unique_id',
];

/** Per component: the options it documents, and the required ones. */
export const HA_COMPONENTS: Record<string, { required: string[]; options: string[] }> = {
  event: {
    required: ['event_types', 'state_topic'],
    options: ['device_class', 'event_types', 'state_topic', 'value_template'],
  },
  lock: {
    required: ['command_topic'],
    options: [
      'code_format',
      'command_template',
      'command_topic',
      'optimistic',
      'payload_lock',
      'payload_open',
      'payload_reset',
      'payload_unlock',
      'retain',
      'state_jammed',
      'state_locked',
      'state_locking',
      'state_open',
      'state_opening',
      'state_topic',
      'state_unlocked',
      'state_unlocking',
      'value_template',
    ],
  },
  button: {
    required: ['command_topic'],
    options: ['command_template', 'command_topic', 'device_class', 'payload_press', 'retain'],
  },
  binary_sensor: {
    required: ['state_topic'],
    options: [
      'device_class',
      'expire_after',
      'force_update',
      'off_delay',
      'payload_off',
      'payload_on',
      'state_topic',
      'value_template',
    ],
  },
  update: {
    required: [],
    options: [
      'command_topic',
      'device_class',
      'display_precision',
      'latest_version_template',
      'latest_version_topic',
      'payload_install',
      'release_summary',
      'release_url',
      'retain',
      'state_topic',
      'title',
      'value_template',
    ],
  },
  sensor: {
    required: ['state_topic'],
    options: [
      'device_class',
      'expire_after',
      'force_update',
      'last_reset_value_template',
      'options',
      'state_class',
      'state_topic',
      'suggested_display_precision',
      'unit_of_measurement',
      'value_template',
    ],
  },
};

/** Device options of the MQTT discovery documentation. */
const DEVICE = [
  'configuration_url',
  'connections',
  'hw_version',
  'identifiers',
  'manufacturer',
  'model',
  'model_id',
  'name',
  'serial_number',
  'suggested_area',
  'sw_version',
  'via_device',
];

/** Device classes the documentation lists for the classes we expect to see. */
const DEVICE_CLASSES: Record<string, string[]> = {
  event: ['button', 'doorbell', 'motion'],
  binary_sensor: ['connectivity', 'door', 'lock', 'opening', 'occupancy', 'problem', 'running', 'tamper'],
  button: ['identify', 'restart', 'update'],
  update: ['firmware'],
};

/**
 * The JSON an MQTT update entity's state_topic may carry (update.mqtt): installed_version,
 * latest_version, title, release_summary (at most 255 characters), release_url, entity_picture,
 * in_progress (a bool) and update_percentage (0-100 or null). Throws naming the field.
 */
export function checkUpdateState(payload: string): Record<string, unknown> {
  const s = JSON.parse(payload) as Record<string, unknown>;
  const known = [
    'installed_version',
    'latest_version',
    'title',
    'release_summary',
    'release_url',
    'entity_picture',
    'in_progress',
    'update_percentage',
  ];
  for (const key of Object.keys(s)) assert.ok(known.includes(key), `update state: ${key} is not documented`);
  assert.equal(typeof s.installed_version, 'string', 'update state: installed_version');
  if (s.latest_version !== undefined) assert.equal(typeof s.latest_version, 'string', 'update state: latest_version');
  if (s.in_progress !== undefined) assert.equal(typeof s.in_progress, 'boolean', 'update state: in_progress');
  if (s.update_percentage !== undefined && s.update_percentage !== null) {
    assert.equal(typeof s.update_percentage, 'number', 'update state: update_percentage');
    assert.ok((s.update_percentage as number) >= 0 && (s.update_percentage as number) <= 100);
  }
  if (s.release_summary !== undefined) assert.ok(String(s.release_summary).length <= 255, 'release_summary');
  return s;
}

/** Checks one discovery config as Home Assistant would read it; throws naming the topic and the option. */
export function checkDiscovery(topic: string, config: Record<string, unknown>): void {
  const m = /^homeassistant\/([a-z_]+)\/(?:[A-Za-z0-9_-]+\/)?[A-Za-z0-9_-]+\/config$/.exec(topic);
  assert.ok(m, `${topic}: not <prefix>/<component>/[<node_id>/]<object_id>/config`);
  const component = m[1]!;
  const spec = HA_COMPONENTS[component];
  assert.ok(spec, `${topic}: component ${component} is not one we expect`);
  for (const key of spec.required) assert.ok(config[key] !== undefined, `${topic}: required option ${key} missing`);
  const known = new Set([...COMMON, ...spec.options]);
  for (const key of Object.keys(config)) assert.ok(known.has(key), `${topic}: ${key} is not a documented option`);
  for (const [key, v] of Object.entries(config)) {
    if (key.endsWith('_topic'))
      assert.match(String(v), /^[^#+]+$/, `${topic}: ${key} must be a topic without wildcards`);
  }
  if (config.device_class !== undefined && DEVICE_CLASSES[component])
    assert.ok(DEVICE_CLASSES[component]!.includes(String(config.device_class)), `${topic}: device_class`);
  if (config.entity_category !== undefined)
    assert.ok(['config', 'diagnostic'].includes(String(config.entity_category)), `${topic}: entity_category`);
  if (component === 'event') {
    assert.ok(Array.isArray(config.event_types) && config.event_types.length > 0, `${topic}: event_types is a list`);
  }
  if (config.retain !== undefined) assert.equal(typeof config.retain, 'boolean', `${topic}: retain`);
  assert.equal(typeof config.unique_id, 'string', `${topic}: unique_id (needed for a device)`);
  const device = config.device as Record<string, unknown> | undefined;
  assert.ok(device && typeof device === 'object', `${topic}: device`);
  for (const key of Object.keys(device)) assert.ok(DEVICE.includes(key), `${topic}: device.${key} is not documented`);
  assert.ok(
    (Array.isArray(device.identifiers) && device.identifiers.length) ||
      (Array.isArray(device.connections) && device.connections.length),
    `${topic}: a device needs identifiers or connections`,
  );
  if (device.connections !== undefined)
    for (const c of device.connections as unknown[])
      assert.ok(Array.isArray(c) && c.length === 2, `${topic}: connections are [type, value] pairs`);
}

export type Seen = { topic: string; payload: string; retain: boolean };

/** A plain MQTT client playing Home Assistant: keeps every message, newest last. */
export class HaClient {
  readonly seen: Seen[] = [];
  #client: MqttClient;
  #waiters = new Set<() => void>();

  private constructor(client: MqttClient) {
    this.#client = client;
    client.on('message', (topic, payload, packet) => {
      this.seen.push({ topic, payload: payload.toString('utf8'), retain: !!packet.retain });
      for (const w of [...this.#waiters]) w();
    });
  }

  static async connect(url: string, opts: { username: string; password: string; ca: string }): Promise<HaClient> {
    const client = await mqtt.connectAsync(url, { ...opts, protocolVersion: 5, reconnectPeriod: 0 });
    const ha = new HaClient(client);
    await client.subscribeAsync({ 'homeassistant/#': { qos: 1, rap: true }, 'portier/#': { qos: 1, rap: true } });
    return ha;
  }

  /** The newest message on `topic` that passes `accept`, waiting for it (a state reached in its own time). */
  async next(topic: string, accept: (s: Seen) => boolean = () => true, from = 0, timeoutMs = 10_000): Promise<Seen> {
    const find = () => this.seen.slice(from).find((s) => s.topic === topic && accept(s));
    const found = find();
    if (found) return found;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`no message on ${topic} (from #${from}; seen: ${this.seen.length})`));
      }, timeoutMs);
      const check = () => {
        const s = find();
        if (!s) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(s);
      };
      this.#waiters.add(check);
    });
  }

  /** The latest config per discovery topic (from message `from` on). */
  configs(from = 0): Map<string, string> {
    const out = new Map<string, string>();
    for (const s of this.seen.slice(from))
      if (s.topic.startsWith('homeassistant/') && s.topic.endsWith('/config')) out.set(s.topic, s.payload);
    return out;
  }

  publish(topic: string, payload: string, retain = false): Promise<unknown> {
    return this.#client.publishAsync(topic, payload, { qos: 1, retain });
  }

  close(): Promise<void> {
    return this.#client.endAsync(true);
  }
}

/** The retained messages under `filter` now, read by a fresh client. */
export async function retainedNow(
  url: string,
  opts: { username: string; password: string; ca: string },
  filter: string,
): Promise<Map<string, string>> {
  const client = await mqtt.connectAsync(url, { ...opts, protocolVersion: 5, reconnectPeriod: 0 });
  const out = new Map<string, string>();
  const fence = `portier/ha-test/fence-${Math.random().toString(36).slice(2)}`;
  let fenced: () => void = () => {};
  const done = new Promise<void>((r) => {
    fenced = r;
  });
  client.on('message', (topic, payload, packet) => {
    if (topic === fence) fenced();
    else if (packet.retain) out.set(topic, payload.toString('utf8'));
  });
  await client.subscribeAsync({ [filter]: { qos: 1 }, [fence]: { qos: 1 } });
  // the broker sends the retained messages at the subscription, before anything published after it
  await client.publishAsync(fence, 'x', { qos: 1 });
  await done;
  await client.endAsync(true);
  return out;
}
