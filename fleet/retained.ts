/** Reading what the broker keeps: the retained messages under a topic filter. */
import type { MqttClient } from 'mqtt';

/** Subscribes and collects the retained messages, which the broker sends right after the subscription. */
export async function readRetained(client: MqttClient, filter: string, settleMs = 300): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  const onMessage = (topic: string, payload: Buffer, packet: { retain?: boolean }) => {
    if (packet.retain) {
      if (payload.length === 0) found.delete(topic);
      else found.set(topic, payload);
    }
  };
  client.on('message', onMessage);
  const granted = await client.subscribeAsync(filter, { qos: 1 });
  if (granted.some((g) => g.qos === 128)) throw new Error(`the broker refused the subscription to ${filter}`);
  await new Promise((r) => setTimeout(r, settleMs));
  client.removeListener('message', onMessage);
  await client.unsubscribeAsync(filter);
  return found;
}

export function json(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString());
  } catch {
    return undefined;
  }
}
