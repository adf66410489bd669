/** `portier fleet devices`: every device that ever connected, from its retained status. */
import type { MqttClient } from 'mqtt';
import { type DeviceStatus, deviceStatus, parseTopic, topics } from '../agent/cloud/protocol/index.ts';
import { json, readRetained } from './retained.ts';

export type DeviceRow = DeviceStatus & { id: string };

export async function listDevices(client: MqttClient): Promise<DeviceRow[]> {
  const retained = await readRetained(client, topics.allStatus());
  const rows: DeviceRow[] = [];
  for (const [topic, payload] of retained) {
    const t = parseTopic(topic);
    const s = deviceStatus.safeParse(json(payload));
    if (t?.kind === 'status' && s.success) rows.push({ ...s.data, id: t.device });
  }
  return rows.sort((a, b) => a.id.localeCompare(b.id));
}

export async function findDevice(client: MqttClient, id: string): Promise<DeviceRow | undefined> {
  const retained = await readRetained(client, topics.status(id), 200);
  const payload = retained.get(topics.status(id));
  const s = payload && deviceStatus.safeParse(json(payload));
  return s?.success ? { ...s.data, id } : undefined;
}
