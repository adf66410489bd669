/**
 * Call Feature, as the door phone's page: who may call and open (allowed callers), Do Not Disturb
 * per account (return code, DND on/off codes, whole day or a schedule), auto-answer for SIP calls
 * and for IP calls (Others).
 */
import { SchemaForm } from '../form/schema-form.ts';
import { h } from '../lib/dom.ts';
import { card, note, type Page, pageEl } from './page.ts';

export const callFeaturePage: Page = {
  id: 'intercom/call-feature',
  title: 'Call Feature',
  render(ctx) {
    const f = new SchemaForm(ctx.schema, ctx.config, ctx.setConfig);
    const accounts = ctx.config.accounts as { label: string; user: string }[];
    const groups = accounts.map((_, i) =>
      h('div', { class: 'dnd-account', 'data-account': String(i + 1) }, ...f.fieldsOf(['accounts', i, 'dnd'])),
    );
    const pick = h(
      'select',
      { id: 'dnd-account', name: 'dnd-account' },
      ...accounts.map((a, i) =>
        h(
          'option',
          { value: String(i) },
          `Account ${i + 1}${a.label ? ` (${a.label})` : a.user ? ` (${a.user})` : ''}`,
        ),
      ),
    );
    const show = () => {
      for (const [i, g] of groups.entries()) g.hidden = String(i) !== pick.value;
    };
    pick.addEventListener('change', show);
    show();
    const form = h(
      'form',
      { novalidate: true, class: 'settings', 'aria-label': 'Call feature settings' },
      card(
        'Allowed Callers',
        note(
          'Only allowed callers are auto-answered and may open the door with a DTMF code; calls the door places may always open it. Entries are separated by commas. A caller URI can be forged on the LAN: see the README, "Who may call and open".',
        ),
        ...f.fieldsOf(['callFeature', 'callers']),
      ),
      card(
        'Do Not Disturb',
        note(
          'Rejects incoming SIP calls on the account with the return code; the DND on/off codes are dialled to the SIP server when DND changes.',
        ),
        h(
          'div',
          { class: 'field' },
          h('label', { for: 'dnd-account' }, 'Account'),
          h('div', { class: 'control' }, pick),
        ),
        ...groups,
      ),
      card('Auto Answer', ...f.fieldsOf(['callFeature', 'autoAnswerSip'])),
      card(
        'Auto Answer (IP calls)',
        note('Device > Call Feature > Others: direct IP calls.'),
        ...f.fieldsOf(['callFeature', 'autoAnswerIp']),
      ),
      f.actions(),
    );
    return { el: pageEl('Call Feature', form) };
  },
};
