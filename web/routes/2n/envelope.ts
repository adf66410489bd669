/**
 * 2N's envelope and error codes (HTTP API manual, "HTTP API Description"): `{"success": true,
 * "result": ...}` or `{"success": false, "error": {"code": N, "param": "...", "description": "..."}}`,
 * with HTTP status 200 as 2N devices answer. A refusal by the guard (no credentials, a scope too
 * small) keeps the device's own API envelope and its HTTP status (401/403).
 */
import type { Request } from '../../http/index.ts';

export const TWO_N_ERRORS = {
  1: 'function is not supported',
  2: 'invalid request path',
  3: 'invalid request method',
  4: 'function is disabled',
  7: 'invalid connection type',
  8: 'invalid authentication method',
  9: 'authorization required',
  10: 'insufficient user privileges',
  11: 'missing mandatory parameter',
  12: 'invalid parameter value',
  13: 'parameter data too big',
  14: 'unspecified processing error',
  15: 'no data available',
} as const;

export type TwoNCode = keyof typeof TWO_N_ERRORS;

export type TwoNError = {
  success: false;
  error: { code: TwoNCode; description: string; param?: string; detail?: string };
};

export function fail(code: TwoNCode, param?: string, detail?: string): TwoNError {
  return {
    success: false,
    error: { code, description: TWO_N_ERRORS[code], ...(param ? { param } : {}), ...(detail ? { detail } : {}) },
  };
}

/** A 2N failure a handler throws; the route returns it as the answer. */
export class TwoNFailure extends Error {
  readonly body: TwoNError;
  constructor(code: TwoNCode, param?: string, detail?: string) {
    super(`${TWO_N_ERRORS[code]}${param ? `: ${param}` : ''}`);
    this.body = fail(code, param, detail);
  }
}

/** The request's parameters: the query, and a JSON body's fields (2N takes both, GET or POST). */
export function paramsOf(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  const add = (o: unknown) => {
    if (!o || typeof o !== 'object') return;
    for (const [k, v] of Object.entries(o)) if (typeof v === 'string' || typeof v === 'number') out[k] = String(v);
  };
  add(req.query);
  add(req.body);
  return out;
}

/** A mandatory parameter (11 when missing). */
export function required(p: Record<string, string>, name: string): string {
  const v = p[name];
  if (v === undefined || v === '') throw new TwoNFailure(11, name);
  return v;
}

/** A whole number in a range (12 when it is not). */
export function uint(p: Record<string, string>, name: string, min: number, max: number, def?: number): number {
  const v = p[name];
  if (v === undefined || v === '') {
    if (def === undefined) throw new TwoNFailure(11, name);
    return def;
  }
  const n = /^\d{1,10}$/.test(v) ? Number(v) : Number.NaN;
  if (!(n >= min && n <= max)) throw new TwoNFailure(12, name, `must be a whole number from ${min} to ${max}`);
  return n;
}
