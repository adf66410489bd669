/**
 * A form over some settings of the config: fields rendered from the schema, a change checked by
 * the API as it is made (POST /config/validate: the very messages a save would give), and Save
 * sending only what changed (PATCH /config). The API's per-field messages go next to their fields.
 */
import { ApiFailure, api, type Problem } from '../lib/api.ts';
import { h, toast } from '../lib/dom.ts';
import { getIn, keyOf, nodeAt, type Path, type SchemaNode, sameValue, setIn } from '../lib/schema.ts';
import { type FieldHandle, type FieldOptions, renderField } from './fields.ts';

export type ConfigDoc = Record<string, unknown>;

export class SchemaForm {
  readonly fields = new Map<string, FieldHandle>();
  #schema: SchemaNode;
  #config: ConfigDoc;
  #errors = h('ul', { class: 'form-errors', role: 'alert', hidden: true });
  #status = h('span', { class: 'save-status', role: 'status' });
  #timer: ReturnType<typeof setTimeout> | undefined;
  #onSaved: (config: ConfigDoc) => void;

  constructor(schema: SchemaNode, config: ConfigDoc, onSaved: (config: ConfigDoc) => void = () => {}) {
    this.#schema = schema;
    this.#config = config;
    this.#onSaved = onSaved;
  }

  get config(): ConfigDoc {
    return this.#config;
  }

  /**
   * The field of the setting at `path`, with its value in force. A setting not in effect yet
   * (`planned` in the schema) is not shown: an empty hidden element stands for it, and Save never sends it.
   */
  field(path: Path, opts?: FieldOptions): HTMLElement {
    const node = nodeAt(this.#schema, path);
    if (!node) return h('p', { class: 'error' }, `unknown setting ${keyOf(path)}`);
    if (node.planned) return h('div', { hidden: true, 'data-planned': keyOf(path) });
    const f = renderField(node, path, opts);
    f.set(getIn(this.#config, path));
    f.el.addEventListener('change', () => this.#scheduleValidate());
    this.fields.set(f.key, f);
    return f.el;
  }

  /** Several fields of one object, in schema order (skipping `except` and the settings not in effect yet). */
  fieldsOf(path: Path, except: string[] = [], opts?: FieldOptions): HTMLElement[] {
    const node = nodeAt(this.#schema, path);
    return Object.entries(node?.properties ?? {})
      .filter(([k, n]) => !except.includes(k) && n.kind && !n.planned)
      .map(([k]) => this.field([...path, k], opts));
  }

  value(path: Path): unknown {
    return this.fields.get(keyOf(path))?.get() ?? getIn(this.#config, path);
  }

  /** The changed settings, as a patch the API merges. */
  patch(): ConfigDoc {
    const patch: ConfigDoc = {};
    for (const f of this.fields.values()) {
      const v = f.get();
      if (!sameValue(v, getIn(this.#config, f.path))) setIn(patch, f.path, v);
    }
    return patch;
  }

  /** The Save bar with the form-level messages (problems about settings not on this page). */
  actions(): HTMLElement {
    return h(
      'div',
      { class: 'form-actions' },
      this.#errors,
      h(
        'button',
        {
          type: 'submit',
          class: 'primary',
          onclick: (e: Event) => {
            e.preventDefault();
            void this.save();
          },
        },
        'Save',
      ),
      h('button', { type: 'button', onclick: () => this.reset() }, 'Reset'),
      this.#status,
    );
  }

  reset(): void {
    for (const f of this.fields.values()) {
      f.set(getIn(this.#config, f.path));
      f.error();
    }
    this.#showProblems([]);
  }

  async save(): Promise<boolean> {
    clearTimeout(this.#timer);
    const patch = this.patch();
    if (Object.keys(patch).length === 0) {
      this.#status.textContent = 'No changes.';
      return true;
    }
    this.#status.textContent = 'Saving…';
    try {
      const r = await api.patch<{ changed: string[]; config: ConfigDoc }>('/config', patch);
      this.#config = r.config;
      this.reset();
      this.#status.textContent = r.changed.length
        ? `Saved (${r.changed.length} setting${r.changed.length > 1 ? 's' : ''}).`
        : 'No changes.';
      toast('Settings saved');
      this.#onSaved(r.config);
      return true;
    } catch (err) {
      if (err instanceof ApiFailure && err.code === 'config_invalid') {
        this.#showProblems(err.problems);
        this.#status.textContent = 'Not saved: see the messages next to the fields.';
      } else {
        this.#status.textContent = `Not saved: ${(err as Error).message}`;
      }
      return false;
    }
  }

  #scheduleValidate(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#validate(), 250);
  }

  async #validate(): Promise<void> {
    const patch = this.patch();
    try {
      const r = await api.post<{ valid: boolean; problems: Problem[] }>('/config/validate', patch);
      this.#showProblems(r.problems);
    } catch {
      // a failed check is not worth a message: Save says what is wrong
    }
  }

  /** Each problem next to its field (or the field it is inside of); the others above the Save button. */
  #showProblems(problems: Problem[]): void {
    const byField = new Map<string, string[]>();
    const rest: Problem[] = [];
    for (const p of problems) {
      const f = this.#fieldFor(p.key);
      if (f) byField.set(f.key, [...(byField.get(f.key) ?? []), p.message]);
      else rest.push(p);
    }
    for (const f of this.fields.values()) f.error(byField.get(f.key)?.join('; '));
    this.#errors.replaceChildren(...rest.map((p) => h('li', {}, `${p.key}: ${p.message}`)));
    this.#errors.hidden = rest.length === 0;
  }

  #fieldFor(key: string): FieldHandle | undefined {
    const parts = key.split('.');
    for (let n = parts.length; n > 0; n--) {
      const f = this.fields.get(parts.slice(0, n).join('.'));
      if (f) return f;
    }
    return undefined;
  }
}
