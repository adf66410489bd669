/**
 * /api/v1/config: the whole config or one setting, changes validated by the config schema (the
 * same messages as autop and the CLI, each naming its field), the JSON Schema the UI renders.
 */
import {
  type Config,
  ConfigError,
  decodeValue,
  findLeaf,
  getAt,
  jsonSchema,
  keyToPath,
  mergePatch,
  type Path,
  type Problem,
  pathToKey,
  setAt,
  validateConfig,
} from '../../agent/config/index.ts';
import * as z from '../../core/zod.ts';
import { ApiError, ok } from '../errors.ts';
import type { HttpApp } from '../http/index.ts';
import { maskSecrets, unmaskPatch } from './config-secrets.ts';
import { principalOf, type RouteContext } from './context.ts';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Problems as the API gives them: the dotted key, the path, the message, and the autop key when there is one. */
export function problemsView(problems: Problem[]) {
  return problems.map((p) => {
    const leaf = findLeaf(p.key);
    return { key: p.key, path: p.path, message: p.message, ...(leaf ? { autop: leaf.autop } : {}) };
  });
}

export function configInvalid(problems: Problem[]): ApiError {
  const first = problems[0];
  return new ApiError(
    'config_invalid',
    problems.length === 1 && first ? `${first.key}: ${first.message}` : `${problems.length} settings are not valid`,
    { problems: problemsView(problems) },
  );
}

function resolvePath(key: string): { path: Path; autop?: string } {
  const leaf = findLeaf(key);
  return leaf ? { path: leaf.path, autop: leaf.autop } : { path: keyToPath(key) };
}

export function configRoutes(app: HttpApp, ctx: RouteContext): void {
  const store = ctx.deps.config;

  const applyPatch = async (patch: unknown, who: string) => {
    if (!isObject(patch)) throw new ApiError('invalid_body', 'the body must be a JSON object of settings');
    try {
      const change = await store.apply(unmaskPatch(patch, store.get()), `api:${who}`);
      return ok({ changed: change.keys, config: maskSecrets(change.config) });
    } catch (err) {
      if (err instanceof ConfigError) throw configInvalid(err.problems);
      throw err;
    }
  };

  app.get('/api/v1/config', async () => ok(maskSecrets(store.get())));

  app.get('/api/v1/config/schema', async () => ok(jsonSchema()));

  app.get<{ Params: { key: string } }>('/api/v1/config/:key', async (req) => {
    const { path, autop } = resolvePath(req.params.key);
    const value = path.length ? getAt(maskSecrets(store.get()), path) : undefined;
    if (value === undefined) throw new ApiError('not_found', `${req.params.key}: no such setting`);
    return ok({ key: pathToKey(path), ...(autop ? { autop } : {}), value });
  });

  app.patch('/api/v1/config', async (req) => applyPatch(req.body, principalOf(req).user));

  /** One setting by path or autop key; a text value for a number, choice or switch is read as in autop. */
  app.put<{ Params: { key: string } }>('/api/v1/config/:key', async (req) => {
    const body = z.object({ value: z.unknown() }).safeParse(req.body);
    if (!body.success || body.data.value === undefined)
      throw new ApiError('invalid_body', 'the body must be {"value": ...}');
    const leaf = findLeaf(req.params.key);
    const path = leaf?.path ?? keyToPath(req.params.key);
    if (!path.length || getAt(store.get(), path) === undefined)
      throw new ApiError('not_found', `${req.params.key}: no such setting`);
    let value: unknown = body.data.value;
    if (leaf && typeof value === 'string' && leaf.meta.kind !== 'text') {
      const d = decodeValue(leaf, value);
      if (!d.ok) throw configInvalid([{ key: leaf.key, path: leaf.path, message: d.error }]);
      value = d.value;
    }
    return applyPatch(setAt({}, path, value), principalOf(req).user);
  });

  /** What a PATCH with this body would say, changing nothing (the UI checks fields as they are typed). */
  app.post('/api/v1/config/validate', async (req) => {
    if (!isObject(req.body)) throw new ApiError('invalid_body', 'the body must be a JSON object of settings');
    const current: Config = store.get();
    const r = validateConfig(mergePatch(current, unmaskPatch(req.body, current)));
    return ok(r.ok ? { valid: true, problems: [] } : { valid: false, problems: problemsView(r.problems) });
  });
}
