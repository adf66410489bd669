/**
 * Network, cloud and provisioning: device identity, web server (HTTP/HTTPS), direct IP, SIP
 * network, the cloud link, auto-provisioning from a server (its settings, last runs, "Run now");
 * export the config as an autop file, import one. Settings not in effect yet (`planned` in the
 * schema) are not shown.
 */
import { SchemaForm } from '../form/schema-form.ts';
import { ApiFailure, api, type Problem } from '../lib/api.ts';
import { fill, h, toast } from '../lib/dom.ts';
import { secretsExport } from './autop-export.ts';
import { AUTOP_KEYS, autopServerStatus } from './autop-server.ts';
import { homeAssistantCard } from './home-assistant-card.ts';
import { card, note, type Page, pageEl } from './page.ts';

type ImportResult = { applied: number; skipped: number; problems: Problem[]; changed: string[] };

const problemLine = (p: Problem) => `${p.line ? `line ${p.line}: ` : 'config: '}${p.key}: ${p.message}`;

function provisioning(onApplied: () => void): HTMLElement {
  const file = h('input', { type: 'file', id: 'autop-file', name: 'autop-file', accept: '.cfg,.txt,text/plain' });
  const lenient = h('input', { type: 'checkbox', id: 'autop-lenient', name: 'lenient' });
  const result = h('div', { class: 'autop-result', role: 'status' });
  const upload = async (e: Event) => {
    e.preventDefault();
    const f = file.files?.[0];
    if (!f) return fill(result, h('p', { class: 'error' }, 'Choose an autop file first.'));
    fill(result, 'Importing…');
    try {
      const r = await api.call<ImportResult>('POST', '/config/autop', {
        text: await f.text(),
        query: { lenient: lenient.checked ? 1 : undefined },
      });
      fill(
        result,
        h('p', {}, `Applied ${r.applied} line(s), skipped ${r.skipped}; ${r.changed.length} setting(s) changed.`),
        r.problems.length
          ? h('ul', { class: 'form-errors' }, ...r.problems.map((p) => h('li', {}, problemLine(p))))
          : null,
      );
      toast('Autop file applied');
      onApplied();
    } catch (err) {
      const problems = err instanceof ApiFailure ? err.problems : [];
      fill(
        result,
        h('p', { class: 'error' }, (err as Error).message),
        problems.length ? h('ul', { class: 'form-errors' }, ...problems.map((p) => h('li', {}, problemLine(p)))) : null,
      );
    }
  };
  return card(
    'Provisioning (autop)',
    note(
      'Export: every setting with its autop key, as door phones are provisioned in the field; the passwords are left out (importing the file keeps the passwords in force). To include them, enter the admin password. Import: strict by default, any problem and nothing changes; lenient applies the valid lines.',
    ),
    h(
      'p',
      {},
      h('a', { href: '/api/v1/config/autop', download: '', class: 'button', id: 'autop-export' }, 'Export autop file'),
    ),
    secretsExport(),
    h(
      'form',
      { class: 'row', onsubmit: upload, 'aria-label': 'Import an autop file' },
      h('label', { for: 'autop-file' }, 'Autop file'),
      file,
      h('label', { class: 'choice' }, lenient, 'Lenient'),
      h('button', { type: 'submit', class: 'primary' }, 'Import'),
    ),
    result,
  );
}

export const networkPage: Page = {
  id: 'network',
  title: 'Network & Cloud',
  render(ctx) {
    const f = new SchemaForm(ctx.schema, ctx.config, ctx.setConfig);
    const cloud = f.fieldsOf(['cloud'], AUTOP_KEYS);
    const form = h(
      'form',
      { novalidate: true, class: 'settings', 'aria-label': 'Network and cloud settings' },
      card('Device', ...f.fieldsOf(['identity'])),
      card(
        'Web server',
        note('Changing the ports or HTTPS moves the UI: open it at the new address after saving.'),
        ...f.fieldsOf(['web']),
      ),
      card('Direct IP', ...f.fieldsOf(['directIp'])),
      card('SIP network', ...f.fieldsOf(['sip'])),
      cloud.length ? card('Cloud', ...cloud) : null,
      homeAssistantCard(f),
      card(
        'Auto-provisioning',
        note('The common file, then <MAC>.cfg, fetched from the server at the times of the mode; only when idle.'),
        ...AUTOP_KEYS.map((k) => f.field(['cloud', k])),
        autopServerStatus(),
      ),
      f.actions(),
    );
    const reload = async () => {
      ctx.setConfig(await api.get('/config'));
      location.reload();
    };
    return {
      el: pageEl(
        'Network & Cloud',
        form,
        provisioning(() => void reload()),
      ),
    };
  },
};
