/**
 * Config file migrations: ordered steps, each from version N to N+1. A step gets the raw
 * config object of version N and returns the object of version N+1; it never sees validated types
 * because old files do not match today's schema.
 */
export type Migration = {
  from: number;
  describe: string;
  up: (config: Record<string, unknown>) => Record<string, unknown>;
};

/** The real migrations of Portier, oldest first. Version 1 is the first released format. */
export const MIGRATIONS: Migration[] = [
  {
    from: 1,
    describe: 'cloud.connectType: the udp choice is removed (MQTT has no UDP transport); a udp value becomes tls',
    up: (c) => {
      const cloud = c.cloud as Record<string, unknown> | undefined;
      if (cloud?.connectType !== 'udp') return c;
      return { ...c, cloud: { ...cloud, connectType: 'tls' } };
    },
  },
];

export function currentVersion(steps: Migration[]): number {
  return 1 + steps.length;
}

export type MigrationResult = { config: Record<string, unknown>; applied: Migration[] };

export function migrate(config: Record<string, unknown>, version: number, steps: Migration[]): MigrationResult {
  const target = currentVersion(steps);
  if (!Number.isInteger(version) || version < 1) throw new Error(`config version ${version} is not valid`);
  if (version > target)
    throw new Error(`config version ${version} was written by a newer Portier; this one reads up to version ${target}`);
  const applied: Migration[] = [];
  let cur = config;
  for (let v = version; v < target; v++) {
    const step = steps[v - 1];
    if (!step || step.from !== v) throw new Error(`migration list is broken: no step from version ${v}`);
    cur = step.up(structuredClone(cur));
    applied.push(step);
  }
  return { config: cur, applied };
}
