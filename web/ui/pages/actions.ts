/** Where the push button action and the action URLs send things: email (SMTP), FTP, HTTP. */
import { SchemaForm } from '../form/schema-form.ts';
import { h } from '../lib/dom.ts';
import { card, type Page, pageEl } from './page.ts';

export const actionsPage: Page = {
  id: 'actions',
  title: 'Actions',
  render(ctx) {
    const f = new SchemaForm(ctx.schema, ctx.config, ctx.setConfig);
    const form = h(
      'form',
      { novalidate: true, class: 'settings', 'aria-label': 'Action settings' },
      card('Action URLs', ...f.fieldsOf(['actionUrls'])),
      card('Email (SMTP)', ...f.fieldsOf(['smtp'])),
      card('FTP', ...f.fieldsOf(['ftp'])),
      f.actions(),
    );
    return { el: pageEl('Actions', form) };
  },
};
