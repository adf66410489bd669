/** SIP accounts (the DND settings of each account are on the Call Feature page). */
import { SchemaForm } from '../form/schema-form.ts';
import { h } from '../lib/dom.ts';
import { DoorState, registrationsView } from '../widgets/door-state.ts';
import { card, type Page, pageEl } from './page.ts';

export const accountsPage: Page = {
  id: 'accounts',
  title: 'Accounts',
  render(ctx) {
    const f = new SchemaForm(ctx.schema, ctx.config, ctx.setConfig);
    const state = new DoorState(ctx.live);
    void state.refresh();
    const accounts = ctx.config.accounts as unknown[];
    const form = h(
      'form',
      { novalidate: true, class: 'settings', 'aria-label': 'SIP accounts' },
      ...accounts.map((_, i) => card(`Account ${i + 1}`, ...f.fieldsOf(['accounts', i], ['dnd']))),
      f.actions(),
    );
    return {
      el: pageEl('Accounts', card('Registration status', registrationsView(state)), form),
      leave: () => state.leave(),
    };
  },
};
