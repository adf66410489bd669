/** `portier fleet watch [id]`: live events and status changes, one line each. */
import type { MqttClient } from 'mqtt';
import { cloudEvent, deviceStatus, parseTopic, topics } from '../agent/cloud/protocol/index.ts';
import type { Out } from './jobs.ts';
import { json } from './retained.ts';

/** Prints until `count` events were seen (or forever); resolves then. */
export async function watch(
  client: MqttClient,
  out: Out,
  opts: { device?: string; count?: number; json?: boolean },
): Promise<void> {
  let seen = 0;
  const done = new Promise<void>((resolve) => {
    client.on('message', (topic, payload, packet) => {
      if (packet.retain) return;
      const t = parseTopic(topic);
      if (!t) return;
      if (t.kind === 'event') {
        const e = cloudEvent.safeParse(json(payload));
        if (!e.success) return;
        out.log(
          opts.json
            ? JSON.stringify({ device: t.device, ...e.data })
            : `${e.data.utcTime} ${t.device} ${e.data.type} ${JSON.stringify(e.data.params)}`,
        );
      } else if (t.kind === 'status') {
        const s = deviceStatus.safeParse(json(payload));
        if (!s.success) return;
        out.log(
          opts.json
            ? JSON.stringify({ device: t.device, type: 'status', ...s.data })
            : `${s.data.updatedAt ?? ''} ${t.device} status ${s.data.state}${s.data.reason ? ` (${s.data.reason})` : ''}`,
        );
      } else return;
      if (opts.count && ++seen >= opts.count) resolve();
    });
  });
  const id = opts.device ?? '+';
  await client.subscribeAsync({
    [topics.allEvents(id)]: { qos: 1 },
    [`${topics.prefix(id)}/status`]: { qos: 1, rh: 2 },
  });
  out.log(`watching ${opts.device ?? 'every device'} (Ctrl-C to stop)`);
  await done;
}
