/**
 * The topics of the Home Assistant connection: discovery configs under the discovery prefix
 * (`<prefix>/<component>/<device id>/<object>/config`), and the device's own state and command
 * topics under `portier/<device id>/`.
 */
export type Component = 'event' | 'lock' | 'button' | 'binary_sensor' | 'sensor' | 'update';

export function haTopics(prefix: string, deviceId: string) {
  const base = `portier/${deviceId}`;
  return {
    base,
    config: (component: Component, object: string) => `${prefix}/${component}/${deviceId}/${object}/config`,
    /** Home Assistant's birth and last will (`online` / `offline`). */
    haStatus: `${prefix}/status`,
    availability: `${base}/availability`,
    doorbell: `${base}/doorbell`,
    relayState: (n: number) => `${base}/relay/${n}/state`,
    /** A lock's commands (OPEN, UNLOCK, LOCK). */
    relaySet: (n: number) => `${base}/relay/${n}/set`,
    /** A button's command (PRESS). */
    relayPress: (n: number) => `${base}/relay/${n}/press`,
    input: (n: number) => `${base}/input/${n}`,
    sip: (account: string) => `${base}/sip/${account}`,
    callActive: `${base}/call/active`,
    callState: `${base}/call/state`,
    lastCaller: `${base}/call/last_caller`,
    lastDoor: `${base}/door/last`,
    /** The firmware `update` entity's state (JSON: installed and latest version, progress). */
    firmware: `${base}/firmware/state`,
    /** Its install command (INSTALL). */
    firmwareInstall: `${base}/firmware/install`,
    /** What the device subscribes to. */
    subscriptions: [`${prefix}/status`, `${base}/relay/+/set`, `${base}/relay/+/press`, `${base}/firmware/install`],
  };
}

export type HaTopics = ReturnType<typeof haTopics>;

/** A command topic: the relay (1-based) and the kind, or undefined. */
export function parseCommandTopic(t: HaTopics, topic: string): { relay: number; kind: 'set' | 'press' } | undefined {
  const m = topic.startsWith(`${t.base}/relay/`)
    ? /^(\d{1,2})\/(set|press)$/.exec(topic.slice(t.base.length + 7))
    : null;
  return m ? { relay: Number(m[1]), kind: m[2] as 'set' | 'press' } : undefined;
}
