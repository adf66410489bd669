/** What a page is given, and the layout pieces every page uses. */
import type { ConfigDoc } from '../form/schema-form.ts';
import { type Child, h } from '../lib/dom.ts';
import type { Live } from '../lib/live.ts';
import type { SchemaNode } from '../lib/schema.ts';

export type PageContext = {
  schema: SchemaNode;
  config: ConfigDoc;
  live: Live;
  dev: boolean;
  /** Keeps the shell's copy of the config current after a save. */
  setConfig(config: ConfigDoc): void;
};

export type Rendered = { el: HTMLElement; leave?: () => void };

export type Page = { id: string; title: string; render(ctx: PageContext): Rendered | Promise<Rendered> };

export function card(title: string, ...children: Child[]): HTMLElement {
  const id = `s-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), ...children);
}

export function note(text: string): HTMLElement {
  return h('p', { class: 'note' }, text);
}

export function pageEl(title: string, ...children: Child[]): HTMLElement {
  return h('div', { class: 'page' }, h('h1', {}, title), ...children);
}

/** A table whose rows are the slots of a list setting and whose columns are its fields. */
export function slotTable(
  headers: string[],
  rows: number,
  cells: (index: number) => Child[],
  label: string,
): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'slots', 'aria-label': label },
      h('thead', {}, h('tr', {}, h('th', {}, '#'), ...headers.map((t) => h('th', {}, t)))),
      h(
        'tbody',
        {},
        ...Array.from({ length: rows }, (_, i) =>
          h('tr', {}, h('td', { class: 'idx' }, String(i + 1)), ...cells(i).map((c) => h('td', {}, c))),
        ),
      ),
    ),
  );
}
