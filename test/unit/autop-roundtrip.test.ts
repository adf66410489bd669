/** Property: for any valid config, export then import gives back the same config. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { z } from 'zod';
import {
  type Config,
  defaultConfig,
  type Leaf,
  leaves,
  readAutop,
  setAt,
  validateConfig,
  writeAutop,
} from '../../agent/config/index.ts';

const TIME_ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Shanghai', 'Australia/Sydney'];
const chars = (s: string) => fc.constantFrom(...s.split(''));
const word = (set: string, min: number, max: number) =>
  fc.array(chars(set), { minLength: min, maxLength: max }).map((a) => a.join(''));
const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const octet = fc.integer({ min: 0, max: 255 });
const host = fc.oneof(
  fc.tuple(octet, octet, octet, octet).map((o) => o.join('.')),
  fc.tuple(word(ALNUM, 1, 10), word(ALNUM, 2, 5)).map(([a, b]) => `${a}.${b}`),
);

function range(leaf: Leaf): { minimum: number; maximum: number; maxLength?: number; maxItems?: number } {
  return z.toJSONSchema(leaf.schema) as never;
}

/** A generator of valid values for one setting, from its metadata. */
function arbitraryFor(leaf: Leaf): fc.Arbitrary<unknown> {
  const m = leaf.meta;
  switch (m.kind) {
    case 'bool':
      return fc.boolean();
    case 'int': {
      const r = range(leaf);
      return fc.integer({ min: r.minimum, max: r.maximum });
    }
    case 'enum':
      return fc.constantFrom(...m.values!);
    case 'list':
      if (m.choices) return fc.subarray([...m.choices]);
      return fc.array(m.format === 'ref' ? word(`${ALNUM}_-`, 1, 8) : word(`${ALNUM}*#@.+-_:`, 1, 20), {
        maxLength: range(leaf).maxItems,
      });
    case 'text':
      switch (m.format) {
        case 'host':
          return fc.oneof(fc.constant(''), host);
        case 'hostport':
          return fc.oneof(
            fc.constant(''),
            host,
            fc.tuple(host, fc.integer({ min: 1, max: 65535 })).map(([h, p]) => `${h}:${p}`),
          );
        case 'url':
          return fc.oneof(
            fc.constant(''),
            fc.tuple(host, word(`${ALNUM}/?=&#;%`, 0, 30)).map(([h, p]) => `http://${h}/${p}`),
          );
        case 'multicast':
          return fc.oneof(
            fc.constant(''),
            fc.tuple(fc.integer({ min: 224, max: 239 }), octet, octet, octet).map((o) => o.join('.')),
          );
        case 'dial':
          return fc.oneof(fc.constant(''), word(`${ALNUM}*#@.+-_:`, 1, 20));
        case 'dtmf':
          return word('0123456789*#', 0, 4);
        case 'mac':
          return fc.oneof(
            fc.constant(''),
            fc.array(word('0123456789ABCDEF', 2, 2), { minLength: 6, maxLength: 6 }).map((a) => a.join(':')),
          );
        case 'timezone':
          return fc.constantFrom(...TIME_ZONES);
        case 'time':
          return fc
            .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
            .map(([h, mm]) => `${String(h).padStart(2, '0')}:${String(mm).padStart(2, '0')}`);
        case 'line':
          return word(`${ALNUM}_.-`, 0, 12);
        case 'email':
          return fc.oneof(
            fc.constant(''),
            fc.tuple(word(ALNUM, 1, 8), host).map(([a, h]) => `${a}@${h}`),
          );
        case 'ref':
          return word(`${ALNUM} _.-`, 0, 10);
        default:
          // free text: quotes, comment characters, =, unicode, leading and trailing spaces
          return fc.string({
            unit: fc.oneof(chars(`${ALNUM} "'#;=\\/`), fc.constantFrom('é', 'ß', '门', '🔔')),
            maxLength: Math.min(range(leaf).maxLength ?? 40, 40),
          });
      }
  }
}

/**
 * A valid config with random values. Settings a rule objects to fall back to their defaults; if that
 * is not enough, their whole group does (the relay or input, the template, ...).
 */
const validConfig: fc.Arbitrary<Config> = fc
  .tuple(...leaves().map((l) => fc.option(arbitraryFor(l), { freq: 2 })))
  .map((values) => {
    let c: unknown = defaultConfig();
    leaves().forEach((l, i) => {
      // relays stay enabled: a disabled relay invalidates every input that refers to it
      if (values[i] !== null && !/^relays\.\d+\.enabled$/.test(l.key)) c = setAt(c, l.path, values[i]);
    });
    const defaults = defaultConfig();
    const attempts = new Map<string, number>();
    for (let round = 0; round < 30; round++) {
      const r = validateConfig(c);
      if (r.ok) return r.config;
      for (const p of r.problems) {
        const n = attempts.get(p.key) ?? 0;
        attempts.set(p.key, n + 1);
        const path = p.path.slice(0, Math.max(0, p.path.length - n));
        let d: unknown = defaults;
        for (const k of path) d = (d as Record<string | number, unknown>)[k];
        c = setAt(c, path, structuredClone(d));
      }
    }
    throw new Error('could not make the random config valid');
  });

it('export then import gives back the same config (random valid configs)', () => {
  let changedSettings = 0;
  fc.assert(
    fc.property(validConfig, (config) => {
      const text = writeAutop(config);
      const back = readAutop(text, defaultConfig());
      assert.deepEqual(back.problems, []);
      assert.deepEqual(back.config, config);
      changedSettings += JSON.stringify(config) === JSON.stringify(defaultConfig()) ? 0 : 1;
    }),
    { numRuns: 150 },
  );
  assert.ok(changedSettings > 140, 'the generated configs differ from the defaults');
});
