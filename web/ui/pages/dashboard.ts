/** Status: registrations, calls (with the web call panel), relays, inputs; all live. */
import { h } from '../lib/dom.ts';
import { DoorState, inputsView, registrationsView, relaysView } from '../widgets/door-state.ts';
import { webCallPanel } from '../widgets/web-call.ts';
import { card, note, type Page, pageEl } from './page.ts';

export const dashboardPage: Page = {
  id: 'status',
  title: 'Status',
  render(ctx) {
    const state = new DoorState(ctx.live);
    const call = webCallPanel(ctx);
    void state.refresh();
    const el = pageEl(
      'Status',
      h(
        'div',
        { class: 'grid' },
        card('SIP registrations', registrationsView(state)),
        card('Calls', call.el),
        card('Relays', relaysView(state)),
        card(
          'Inputs',
          ctx.dev ? note('Dev run: the Press buttons drive the simulated input lines.') : null,
          inputsView(state, ctx.dev),
        ),
      ),
    );
    return {
      el,
      leave: () => {
        state.leave();
        call.leave();
      },
    };
  },
};
