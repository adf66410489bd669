/** Indoor Monitor settings (installer): the resident's DND, the ring time out, and the door list. */
import { SchemaForm } from '../form/schema-form.ts';
import { h } from '../lib/dom.ts';
import { card, note, type Page, pageEl } from './page.ts';

export const residentDoorsPage: Page = {
  id: 'monitor',
  title: 'Indoor Monitor',
  render(ctx) {
    const f = new SchemaForm(ctx.schema, ctx.config, ctx.setConfig);
    const doors = (ctx.config.monitor as { doors: { name: string }[] }).doors;
    const form = h(
      'form',
      { novalidate: true, class: 'settings', 'aria-label': 'Indoor monitor settings' },
      card('Indoor Monitor', ...f.fieldsOf(['monitor'])),
      note(
        'A door calls from its SIP URI or IP address (a port makes the entry match calls from that port only). Each relay opens by its DTMF code sent on the call, or by the door’s HTTP API with a door-scope API token of the door phone.',
      ),
      ...doors.map((d, i) =>
        card(
          `Door ${i + 1}${d.name ? ` (${d.name})` : ''}`,
          ...f.fieldsOf(['monitor', 'doors', i]),
          ...['relayA', 'relayB', 'relayC'].flatMap((r) => f.fieldsOf(['monitor', 'doors', i, r])),
        ),
      ),
      f.actions(),
    );
    return { el: pageEl('Indoor Monitor', form) };
  },
};
