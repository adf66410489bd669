/** Security and system: admin password, API tokens (each with a scope) for integrators, the HTTPS certificate, reboot. */
import { ApiFailure, api } from '../lib/api.ts';
import { fill, fmtTime, h, toast } from '../lib/dom.ts';
import { apiUsersCard } from './api-users.ts';
import { firmwareCard } from './firmware.ts';
import { card, note, type Page, pageEl } from './page.ts';

type Scope = 'read' | 'door' | 'admin';
type Token = { id: string; name: string; scope: Scope; createdAt: number; lastUsedAt?: number; hint: string };

/** What each scope allows (the API's rules: web/auth/scopes.ts). */
const SCOPES: [Scope, string, string][] = [
  ['read', 'Read', 'status, logs, events, settings (passwords hidden), calls, relays and inputs'],
  ['door', 'Door', 'read, plus relays (open the door) and calls (dial, answer, hang up, DTMF)'],
  ['admin', 'Admin', 'everything but the admin password and the tokens'],
];
type Info = {
  model: string;
  mac: string;
  version: string;
  versions: Record<string, string>;
  uptime: number;
  web: { certificateFingerprint: string | null; https: boolean; httpsPort: number };
};

function passwordCard(): HTMLElement {
  const input = (id: string, label: string, auto: string) => {
    const el = h('input', { id, name: id, type: 'password', autocomplete: auto });
    const err = h('p', { class: 'error', id: `e-${id}`, role: 'alert', hidden: true });
    return {
      el,
      err,
      field: h('div', { class: 'field' }, h('label', { for: id }, label), h('div', { class: 'control' }, el), err),
    };
  };
  const cur = input('pw-current', 'Current password', 'current-password');
  const next = input('pw-new', 'New password', 'new-password');
  const again = input('pw-again', 'New password again', 'new-password');
  const submit = async (e: Event) => {
    e.preventDefault();
    for (const x of [cur, next, again]) x.err.hidden = true;
    if (next.el.value !== again.el.value) {
      again.err.textContent = 'does not match the new password';
      again.err.hidden = false;
      return;
    }
    try {
      await api.post('/auth/password', { current: cur.el.value, password: next.el.value });
      for (const x of [cur, next, again]) x.el.value = '';
      toast('Password changed; other sessions were logged out');
    } catch (err) {
      const p = err instanceof ApiFailure ? err.problems[0] : undefined;
      const target = p?.key === 'current' ? cur : next;
      target.err.textContent = p ? p.message : (err as Error).message;
      target.err.hidden = false;
    }
  };
  return card(
    'Admin password',
    h(
      'form',
      { novalidate: true, onsubmit: submit, 'aria-label': 'Change the admin password' },
      cur.field,
      next.field,
      again.field,
      h('button', { type: 'submit', class: 'primary' }, 'Change password'),
    ),
  );
}

function tokensCard(): HTMLElement {
  const list = h('div');
  const shown = h('div', { class: 'token-shown', role: 'status' });
  const name = h('input', {
    id: 'token-name',
    name: 'token-name',
    type: 'text',
    placeholder: 'e.g. Home Assistant',
    autocomplete: 'off',
  });
  const scope = h(
    'select',
    { id: 'token-scope', name: 'token-scope' },
    ...SCOPES.map(([value, label]) => h('option', { value }, label)),
  );
  const err = h('p', { class: 'error', id: 'e-token-name', role: 'alert', hidden: true });
  const load = async () => {
    const r = await api.get<{ tokens: Token[] }>('/auth/tokens');
    if (r.tokens.length === 0) return fill(list, h('p', { class: 'muted' }, 'No API token.'));
    fill(
      list,
      h(
        'table',
        { 'aria-label': 'API tokens' },
        h(
          'thead',
          {},
          h('tr', {}, ...['Name', 'Scope', 'Token', 'Created', 'Last used', ''].map((t) => h('th', {}, t))),
        ),
        h(
          'tbody',
          {},
          ...r.tokens.map((t) =>
            h(
              'tr',
              { 'data-token': t.id },
              h('td', {}, t.name),
              h('td', { class: 'token-scope' }, t.scope),
              h('td', {}, h('code', {}, t.hint)),
              h('td', {}, fmtTime(t.createdAt)),
              h('td', {}, fmtTime(t.lastUsedAt)),
              h('td', {}, h('button', { type: 'button', class: 'danger', onclick: () => void revoke(t) }, 'Revoke')),
            ),
          ),
        ),
      ),
    );
  };
  const revoke = async (t: Token) => {
    if (!confirm(`Revoke the token "${t.name}"? Integrations using it stop working.`)) return;
    await api.delete(`/auth/tokens/${encodeURIComponent(t.id)}`).catch((e) => toast((e as Error).message, 'error'));
    void load();
  };
  const create = async (e: Event) => {
    e.preventDefault();
    err.hidden = true;
    try {
      const r = await api.post<{ token: string; info: Token }>('/auth/tokens', {
        name: name.value,
        scope: scope.value,
      });
      name.value = '';
      fill(
        shown,
        h('p', {}, `Token "${r.info.name}", scope ${r.info.scope} (shown once, copy it now):`),
        h('code', { class: 'secret', id: 'new-token' }, r.token),
      );
      void load();
    } catch (e2) {
      const p = e2 instanceof ApiFailure ? e2.problems[0] : undefined;
      err.textContent = p ? p.message : (e2 as Error).message;
      err.hidden = false;
    }
  };
  void load();
  return card(
    'API tokens',
    note('Integrators send a token as "Authorization: Bearer <token>". Give each the smallest scope it needs:'),
    h('ul', { class: 'note' }, ...SCOPES.map(([, label, what]) => h('li', {}, h('b', {}, label), `: ${what}`))),
    list,
    h(
      'form',
      { class: 'row', novalidate: true, onsubmit: create, 'aria-label': 'Create an API token' },
      h('label', { for: 'token-name' }, 'Name'),
      name,
      h('label', { for: 'token-scope' }, 'Scope'),
      scope,
      h('button', { type: 'submit', class: 'primary' }, 'Create token'),
    ),
    err,
    shown,
  );
}

function systemCard(): HTMLElement {
  const info = h('dl', { class: 'info' });
  void api.get<Info>('/system/info').then((i) =>
    fill(
      info,
      ...[
        ['Model', i.model],
        ['MAC', i.mac],
        ['Version', `Portier ${i.version} (Node ${i.versions.node})`],
        ['Uptime', `${Math.floor(i.uptime / 60)} min`],
        ['HTTPS certificate (SHA-256)', i.web.certificateFingerprint ?? '—'],
      ].flatMap(([k, v]) => [h('dt', {}, k ?? ''), h('dd', {}, v ?? '')]),
    ),
  );
  const reboot = async () => {
    if (!confirm('Reboot the device now? Calls in progress end.')) return;
    await api.post('/system/reboot').then(
      () => toast('Rebooting…'),
      (e) => toast((e as Error).message, 'error'),
    );
  };
  return card('System', info, h('button', { type: 'button', class: 'danger', onclick: () => void reboot() }, 'Reboot'));
}

export const securityPage: Page = {
  id: 'security',
  title: 'Security & System',
  render(ctx) {
    const firmware = firmwareCard(ctx.live);
    return {
      el: pageEl('Security & System', passwordCard(), tokensCard(), apiUsersCard(), systemCard(), firmware.el),
      leave: firmware.stop,
    };
  },
};
