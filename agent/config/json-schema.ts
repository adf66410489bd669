/** The JSON Schema of the config, as the web UI renders it (titles, units, autop keys, defaults). */
import * as z from '../../core/zod.ts';
import { configSchema } from './schema/index.ts';

let cached: object | undefined;

export function jsonSchema(): object {
  cached ??= z.toJSONSchema(configSchema, { io: 'output', unrepresentable: 'any' });
  return cached;
}
