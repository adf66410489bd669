/**
 * One input per setting, built from its JSON Schema node: the widget follows the kind (switch,
 * number with unit and range, choice, text, list), the help shows the description, range, default
 * and autop key, and each field has a slot for the message the API gives about it.
 */
import { h } from '../lib/dom.ts';
import { autopKey, keyOf, type Path, type SchemaNode } from '../lib/schema.ts';
import { labelOf } from './labels.ts';

export type FieldHandle = {
  key: string;
  path: Path;
  el: HTMLElement;
  get(): unknown;
  set(value: unknown): void;
  /** Shows the API's message next to the field; undefined clears it. */
  error(message?: string): void;
};

export type FieldOptions = { label?: string; compact?: boolean };

/** The text of a number field as the API should judge it: a number when it reads as one, else the text itself. */
function numberValue(raw: string): unknown {
  const t = raw.trim();
  return t !== '' && Number.isFinite(Number(t)) ? Number(t) : t;
}

const listValue = (raw: string) =>
  raw
    .split(/\s*[,;]\s*/)
    .map((s) => s.trim())
    .filter(Boolean);

export function renderField(node: SchemaNode, path: Path, opts: FieldOptions = {}): FieldHandle {
  const key = keyOf(path);
  const id = `f-${key}`;
  const errorEl = h('p', { class: 'error', id: `e-${key}`, role: 'alert', hidden: true });
  const title = opts.label ?? node.title ?? key;
  let control: HTMLElement;
  let get: () => unknown;
  let set: (v: unknown) => void;

  const common = { id, name: key, 'aria-describedby': `e-${key}`, 'data-key': key };
  switch (node.kind) {
    case 'bool': {
      const input = h('input', { ...common, type: 'checkbox' });
      control = input;
      get = () => input.checked;
      set = (v) => (input.checked = Boolean(v));
      break;
    }
    case 'int': {
      const input = h('input', {
        ...common,
        type: 'number',
        inputmode: 'numeric',
        step: 1,
        min: node.minimum,
        max: node.maximum,
        class: 'num',
      });
      control = h('span', { class: 'with-unit' }, input, node.unit ? h('span', { class: 'unit' }, node.unit) : null);
      get = () => numberValue(input.value);
      set = (v) => (input.value = v === undefined ? '' : String(v));
      break;
    }
    case 'enum': {
      const values = node.values ?? node.enum ?? [];
      const select = h('select', common, ...values.map((v) => h('option', { value: v }, labelOf(v))));
      control = select;
      get = () => select.value;
      set = (v) => (select.value = String(v));
      break;
    }
    case 'list': {
      const allowed = node.choices;
      if (allowed) {
        const boxes = allowed.map((v) => h('input', { type: 'checkbox', value: v, name: key, 'data-key': key }));
        control = h(
          'span',
          { class: 'choices', id, role: 'group', 'aria-describedby': `e-${key}` },
          ...allowed.map((v, i) => h('label', { class: 'choice' }, boxes[i], labelOf(v))),
        );
        get = () => boxes.filter((b) => b.checked).map((b) => b.value);
        set = (v) => {
          const on = new Set(v as string[]);
          for (const b of boxes) b.checked = on.has(b.value);
        };
      } else {
        const input = h('input', { ...common, type: 'text', placeholder: 'comma separated', autocomplete: 'off' });
        control = input;
        get = () => listValue(input.value);
        set = (v) => (input.value = ((v as string[]) ?? []).join(', '));
      }
      break;
    }
    default: {
      const secret = node.secret || node.format === 'secret';
      const input = h('input', {
        ...common,
        type: secret ? 'password' : 'text',
        autocomplete: secret ? 'new-password' : 'off',
        spellcheck: 'false',
      });
      control = input;
      get = () => input.value;
      set = (v) => (input.value = v === undefined || v === null ? '' : String(v));
    }
  }

  const help = opts.compact ? null : helpText(node, path);
  const label = h('label', { for: id, class: opts.compact ? 'sr-only' : undefined }, title);
  const el = h(
    'div',
    { class: `field kind-${node.kind ?? 'text'}${opts.compact ? ' compact' : ''}`, 'data-field': key },
    label,
    h('div', { class: 'control' }, control),
    help,
    errorEl,
  );
  if (opts.compact) el.title = [node.title, node.description, autopKey(node, path)].filter(Boolean).join('\n');
  return {
    key,
    path,
    el,
    get: () => get(),
    set: (v) => set(v),
    error(message) {
      errorEl.textContent = message ?? '';
      errorEl.hidden = !message;
      el.classList.toggle('invalid', !!message);
    },
  };
}

function helpText(node: SchemaNode, path: Path): HTMLElement {
  const bits: string[] = [];
  if (node.minimum !== undefined && node.maximum !== undefined)
    bits.push(`${node.minimum}–${node.maximum}${node.unit ? ` ${node.unit}` : ''}`);
  if (node.kind === 'list' && node.maxItems) bits.push(`at most ${node.maxItems}`);
  if (node.default !== undefined && node.default !== '' && !(Array.isArray(node.default) && node.default.length === 0))
    bits.push(
      `default ${Array.isArray(node.default) ? node.default.join(',') : node.kind === 'enum' ? labelOf(String(node.default)) : String(node.default)}`,
    );
  return h(
    'p',
    { class: 'help' },
    node.description ? `${node.description} ` : '',
    bits.length ? h('span', { class: 'range' }, `(${bits.join(', ')}) `) : null,
    node.autop ? h('code', { class: 'autop', title: 'autop key' }, autopKey(node, path)) : null,
  );
}
