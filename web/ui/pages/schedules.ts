/** Named weekly schedules, used by DND and by the call schedule templates. */
import { SchemaForm } from '../form/schema-form.ts';
import { h } from '../lib/dom.ts';
import { card, note, type Page, pageEl, slotTable } from './page.ts';

export const schedulesPage: Page = {
  id: 'schedules',
  title: 'Schedules',
  render(ctx) {
    const f = new SchemaForm(ctx.schema, ctx.config, ctx.setConfig);
    const count = (ctx.config.schedules as unknown[]).length;
    const form = h(
      'form',
      { novalidate: true, class: 'settings', 'aria-label': 'Schedules' },
      card(
        'Schedules',
        note(
          'A schedule with a name can be chosen for DND (Call Feature) and for call schedule templates (Intercom > Basic).',
        ),
        slotTable(
          ['Name', 'Days', 'From', 'To'],
          count,
          (i) => ['name', 'days', 'start', 'end'].map((k) => f.field(['schedules', i, k], { compact: true })),
          'Schedules',
        ),
      ),
      f.actions(),
    );
    return { el: pageEl('Schedules', form) };
  },
};
