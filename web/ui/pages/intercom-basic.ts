/**
 * Intercom > Basic, laid out and named as the door phone's page: Max Call Time, Max Dial Time,
 * Push Button (group / sequence call), Push Button Action, Push To Hang Up, Hang Up After
 * Opening the Door, Multicast, Call Schedule, Web Call.
 */
import { SchemaForm } from '../form/schema-form.ts';
import { h } from '../lib/dom.ts';
import { nodeAt } from '../lib/schema.ts';
import { webCallPanel } from '../widgets/web-call.ts';
import { card, note, type Page, pageEl, slotTable } from './page.ts';

const I = 'intercom';

export const intercomBasicPage: Page = {
  id: 'intercom/basic',
  title: 'Intercom > Basic',
  render(ctx) {
    const f = new SchemaForm(ctx.schema, ctx.config, ctx.setConfig);
    const pb = [I, 'pushButton'];
    const listenCount =
      (nodeAt(ctx.schema, [I, 'multicast', 'listen'])?.default as unknown[] | undefined)?.length ?? 10;
    const templates = (ctx.config.intercom as { callSchedule: unknown[] }).callSchedule.length;

    // Sequence-only options show with the sequence call.
    const seqOnly = h('div', { class: 'sub' }, f.field([...pb, 'sequenceTimeout']));
    const callType = f.field([...pb, 'callType']);
    const syncType = () => (seqOnly.hidden = f.value([...pb, 'callType']) !== 'sequence');
    callType.addEventListener('change', syncType);
    syncType();

    const form = h(
      'form',
      { novalidate: true, class: 'settings', 'aria-label': 'Intercom basic settings' },
      card('Max Call Time', f.field([I, 'maxCallTime'])),
      card('Max Dial Time', f.field([I, 'dialInTime']), f.field([I, 'dialOutTime'])),
      card(
        'Push Button',
        note(
          'A press of the push button calls these numbers: all at once (group call) or one after another (sequence call).',
        ),
        callType,
        f.field([...pb, 'numbers']),
        seqOnly,
        f.field([...pb, 'whenRefused']),
        f.field([...pb, 'groupCallNumber']),
        f.field([...pb, 'account']),
        note(
          'An input with call schedule templates (Relays & Inputs) calls the numbers of its active template instead: the group / sequence call is then unavailable.',
        ),
      ),
      card(
        'Push Button Action',
        h(
          'fieldset',
          { class: 'inline' },
          h('legend', {}, 'Action to Execute'),
          f.field([I, 'pushButtonAction', 'ftp']),
          f.field([I, 'pushButtonAction', 'email']),
          f.field([I, 'pushButtonAction', 'http']),
        ),
        f.field([I, 'pushButtonAction', 'httpUrl']),
        f.field([I, 'pushButtonAction', 'relay']),
        f.field([I, 'pushButtonAction', 'relayReset']),
      ),
      card('Push To Hang Up', ...f.fieldsOf([I, 'pushToHangUp'])),
      card('Hang Up After Opening the Door', ...f.fieldsOf([I, 'hangUpAfterOpen'])),
      card(
        'Multicast',
        f.field([I, 'multicast', 'pagingBarge']),
        f.field([I, 'multicast', 'pagingPriorityActive']),
        slotTable(
          ['Listening address', 'Port', 'Label'],
          listenCount,
          (i) => ['address', 'port', 'label'].map((k) => f.field([I, 'multicast', 'listen', i, k], { compact: true })),
          'Multicast listening addresses',
        ),
      ),
      card(
        'Call Schedule',
        note('Templates of numbers called by a push button while one of their schedules is active (Schedules page).'),
        slotTable(
          ['Template enabled', 'Template name', 'Call numbers', 'Enabled schedules'],
          templates,
          (i) =>
            ['enabled', 'name', 'numbers', 'schedules'].map((k) =>
              f.field([I, 'callSchedule', i, k], { compact: true }),
            ),
          'Call schedule templates',
        ),
      ),
      f.actions(),
    );
    const call = webCallPanel(ctx);
    return {
      el: pageEl('Intercom > Basic', form, card('Web Call', call.el)),
      leave: call.leave,
    };
  },
};
