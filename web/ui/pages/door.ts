/** Relays and inputs: their live state and buttons, then their settings. */
import { SchemaForm } from '../form/schema-form.ts';
import { h } from '../lib/dom.ts';
import { DoorState, inputsView, relaysView } from '../widgets/door-state.ts';
import { card, type Page, pageEl } from './page.ts';

export const doorPage: Page = {
  id: 'door',
  title: 'Relays & Inputs',
  render(ctx) {
    const state = new DoorState(ctx.live);
    void state.refresh();
    const f = new SchemaForm(ctx.schema, ctx.config, ctx.setConfig);
    const relays = ctx.config.relays as { name: string }[];
    const inputs = ctx.config.inputs as { name: string }[];
    const form = h(
      'form',
      { novalidate: true, class: 'settings', 'aria-label': 'Relay and input settings' },
      ...relays.map((r, i) => card(`Relay ${i + 1}${r.name ? ` (${r.name})` : ''}`, ...f.fieldsOf(['relays', i]))),
      ...inputs.map((n, i) => card(`Input ${i + 1}${n.name ? ` (${n.name})` : ''}`, ...f.fieldsOf(['inputs', i]))),
      f.actions(),
    );
    return {
      el: pageEl(
        'Relays & Inputs',
        h('div', { class: 'grid' }, card('Relays', relaysView(state)), card('Inputs', inputsView(state, ctx.dev))),
        form,
      ),
      leave: () => state.leave(),
    };
  },
};
