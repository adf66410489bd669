/**
 * API users of the 2N HTTP API (docs/2n-api.md) on the Security & System page: the on/off switch
 * (off by default), the users (name, scope), create and delete. Their passwords are entered once and
 * never shown again (the device keeps only the Digest hashes).
 */
import { ApiFailure, api } from '../lib/api.ts';
import { fill, fmtTime, h, toast } from '../lib/dom.ts';
import { card, note } from './page.ts';

type Scope = 'read' | 'door' | 'admin';
type ApiUser = { id: string; user: string; scope: Scope; createdAt: number; lastUsedAt?: number };
type State = { enabled: boolean; users: ApiUser[] };

export function apiUsersCard(): HTMLElement {
  const enabled = h('input', { type: 'checkbox', id: 'api-users-enabled', name: 'api-users-enabled' });
  const list = h('div');
  const user = h('input', { id: 'api-user-name', name: 'api-user-name', type: 'text', autocomplete: 'off' });
  const password = h('input', {
    id: 'api-user-password',
    name: 'api-user-password',
    type: 'password',
    autocomplete: 'new-password',
  });
  const scope = h(
    'select',
    { id: 'api-user-scope', name: 'api-user-scope' },
    ...(['read', 'door', 'admin'] as const).map((s) => h('option', { value: s }, s)),
  );
  const err = h('p', { class: 'error', id: 'e-api-user', role: 'alert', hidden: true });

  const show = (s: State) => {
    enabled.checked = s.enabled;
    if (s.users.length === 0) return fill(list, h('p', { class: 'muted' }, 'No API user.'));
    fill(
      list,
      h(
        'table',
        { 'aria-label': 'API users' },
        h('thead', {}, h('tr', {}, ...['User', 'Scope', 'Created', 'Last used', ''].map((t) => h('th', {}, t)))),
        h(
          'tbody',
          {},
          ...s.users.map((u) =>
            h(
              'tr',
              { 'data-api-user': u.id },
              h('td', {}, u.user),
              h('td', {}, u.scope),
              h('td', {}, fmtTime(u.createdAt)),
              h('td', {}, fmtTime(u.lastUsedAt)),
              h('td', {}, h('button', { type: 'button', class: 'danger', onclick: () => void remove(u) }, 'Delete')),
            ),
          ),
        ),
      ),
    );
  };
  const load = async () => show(await api.get<State>('/auth/api-users'));
  const remove = async (u: ApiUser) => {
    if (!confirm(`Delete the API user "${u.user}"? Drivers using it stop working.`)) return;
    await api.delete(`/auth/api-users/${encodeURIComponent(u.id)}`).catch((e) => toast((e as Error).message, 'error'));
    void load();
  };
  enabled.addEventListener('change', () => {
    api.post<State>('/auth/api-users/enabled', { enabled: enabled.checked }).then(show, (e) => {
      toast((e as Error).message, 'error');
      void load();
    });
  });
  const create = async (e: Event) => {
    e.preventDefault();
    err.hidden = true;
    try {
      await api.post('/auth/api-users', { user: user.value, password: password.value, scope: scope.value });
      user.value = '';
      password.value = '';
      toast('API user created');
      void load();
    } catch (e2) {
      const p = e2 instanceof ApiFailure ? e2.problems[0] : undefined;
      err.textContent = p ? `${p.key}: ${p.message}` : (e2 as Error).message;
      err.hidden = false;
    }
  };
  void load();
  return card(
    'API users (2N HTTP API)',
    note(
      'For drivers that speak the 2N HTTP API (/api/switch/ctrl, /api/log/pull ...): HTTP Digest (SHA-256, MD5) or Basic with a user name and password, and a scope as API tokens have. Use HTTPS: Basic sends the password in clear.',
    ),
    h('label', { class: 'choice' }, enabled, 'Allow API users (HTTP Basic and Digest)'),
    list,
    h(
      'form',
      { class: 'row', novalidate: true, onsubmit: create, 'aria-label': 'Create an API user' },
      h('label', { for: 'api-user-name' }, 'User'),
      user,
      h('label', { for: 'api-user-password' }, 'Password'),
      password,
      h('label', { for: 'api-user-scope' }, 'Scope'),
      scope,
      h('button', { type: 'submit', class: 'primary' }, 'Create user'),
    ),
    err,
  );
}
