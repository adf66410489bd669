/** The JSON Schema of the config, as the web UI renders it (titles, units, autop keys, defaults). */
import { z } from 'zod';
import { configSchema } from './schema/index.ts';

let cached: object | undefined;

export function jsonSchema(): object {
  cached ??= z.toJSONSchema(configSchema, { io: 'output', unrepresentable: 'any' });
  return cached;
}
