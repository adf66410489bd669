/** Reading and writing setting values as text (autop files, `config set KEY=VALUE`). */
import type { Leaf } from './paths.ts';

export type Decoded = { ok: true; value: unknown } | { ok: false; error: string };

const TRUE = new Set(['1', 'true', 'yes', 'on', 'enable', 'enabled']);
const FALSE = new Set(['0', 'false', 'no', 'off', 'disable', 'disabled']);

/** Turns the text of a value into the setting's type. Range and format are checked later by the schema. */
export function decodeValue(leaf: Leaf, raw: string): Decoded {
  const text = raw.trim();
  const m = leaf.meta;
  switch (m.kind) {
    case 'bool': {
      const t = text.toLowerCase();
      if (TRUE.has(t)) return { ok: true, value: true };
      if (FALSE.has(t)) return { ok: true, value: false };
      return { ok: false, error: `"${text}" is not a boolean (use 1/0, true/false, on/off)` };
    }
    case 'int': {
      if (!/^[+-]?\d+$/.test(text)) return { ok: false, error: `"${text}" is not a whole number` };
      return { ok: true, value: Number(text) };
    }
    case 'enum': {
      const values = m.values ?? [];
      const byName = values.find((v) => v.toLowerCase() === text.toLowerCase());
      if (byName) return { ok: true, value: byName };
      const codeIndex = m.codes?.indexOf(text) ?? -1;
      if (codeIndex >= 0) return { ok: true, value: values[codeIndex] };
      const accepted = m.codes ? values.map((v, i) => `${m.codes![i]}=${v}`) : values;
      return { ok: false, error: `"${text}" is not one of ${accepted.join(', ')}` };
    }
    case 'list': {
      if (text === '') return { ok: true, value: [] };
      const items = text.split(/\s*[,;]\s*/).filter((s) => s !== '');
      if (m.choices) {
        const bad = items.find((it) => !m.choices!.includes(it.toLowerCase()));
        if (bad) return { ok: false, error: `"${bad}" is not one of ${m.choices.join(', ')}` };
        return { ok: true, value: items.map((it) => it.toLowerCase()) };
      }
      return { ok: true, value: items };
    }
    case 'text':
      return { ok: true, value: raw };
  }
}

/** The text of a value as written in an autop file (enum codes, 0/1 booleans, comma lists). */
export function encodeValue(leaf: Leaf, value: unknown): string {
  const m = leaf.meta;
  switch (m.kind) {
    case 'bool':
      return value ? '1' : '0';
    case 'enum': {
      const i = m.values?.indexOf(value as string) ?? -1;
      return m.codes && i >= 0 ? m.codes[i]! : String(value);
    }
    case 'list':
      return (value as string[]).join(',');
    default:
      return String(value);
  }
}
