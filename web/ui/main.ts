/** The web UI: login or first-run setup, then the shell (navigation, live state) and the pages. */
import type { ConfigDoc } from './form/schema-form.ts';
import { api } from './lib/api.ts';
import { fill, h, toast } from './lib/dom.ts';
import { Live } from './lib/live.ts';
import type { SchemaNode } from './lib/schema.ts';
import { accountsPage } from './pages/accounts.ts';
import { actionsPage } from './pages/actions.ts';
import { callFeaturePage } from './pages/call-feature.ts';
import { dashboardPage } from './pages/dashboard.ts';
import { doorPage } from './pages/door.ts';
import { intercomBasicPage } from './pages/intercom-basic.ts';
import { loginPage, setupPage } from './pages/login.ts';
import { logsPage } from './pages/logs.ts';
import { networkPage } from './pages/network.ts';
import type { Page, PageContext } from './pages/page.ts';
import { residentPage } from './pages/resident.ts';
import { residentDoorsPage } from './pages/resident-doors.ts';
import { schedulesPage } from './pages/schedules.ts';
import { securityPage } from './pages/security.ts';

const PAGES: Page[] = [
  dashboardPage,
  intercomBasicPage,
  callFeaturePage,
  accountsPage,
  doorPage,
  schedulesPage,
  networkPage,
  actionsPage,
  logsPage,
  securityPage,
];

type AuthState = { setUp: boolean; loggedIn: boolean; user?: string; csrfToken?: string; dev: boolean };

const root = document.getElementById('app')!;
let live: Live | undefined;
let leave: (() => void) | undefined;

async function boot(): Promise<void> {
  leave?.();
  leave = undefined;
  live?.close();
  const state = await api.get<AuthState>('/auth/state');
  if (!state.loggedIn) {
    const done = () => void boot();
    const signIn = (s: { csrfToken: string }) => {
      api.csrf = s.csrfToken;
      done();
    };
    fill(root, state.setUp ? loginPage(signIn) : setupPage(state.dev, signIn));
    (root.querySelector('input[type=password], input#setup-code') as HTMLInputElement | null)?.focus();
    return;
  }
  api.csrf = state.csrfToken ?? '';
  const [schema, config, info] = await Promise.all([
    api.get<SchemaNode>('/config/schema'),
    api.get<ConfigDoc>('/config'),
    api.get<{ name: string; model: string }>('/system/info'),
  ]);
  shell(state, schema, config, info);
}

function shell(state: AuthState, schema: SchemaNode, initial: ConfigDoc, info: { name: string; model: string }): void {
  let config = initial;
  // An indoor monitor opens on the resident's page, and has its door list among the settings.
  const monitor = (initial.identity as { role?: string } | undefined)?.role === 'indoor-monitor';
  const pages = monitor ? [residentPage, ...PAGES, residentDoorsPage] : PAGES;
  const home = monitor ? 'resident' : 'status';
  const liveBadge = h('span', { class: 'live-badge', id: 'live-state', 'data-state': 'offline' }, 'offline');
  live = new Live((s) => {
    liveBadge.dataset.state = s;
    liveBadge.textContent = s;
  });
  const main = h('main', { id: 'main', tabindex: '-1' });
  const nav = h(
    'nav',
    { 'aria-label': 'Pages' },
    ...pages.map((p) => h('a', { href: `#/${p.id}`, 'data-page': p.id }, p.title)),
  );
  const logout = async () => {
    await api.post('/auth/logout').catch(() => {});
    api.csrf = '';
    location.hash = '';
    void boot();
  };
  fill(
    root,
    h(
      'header',
      {},
      h('a', { class: 'brand', href: '#/status' }, 'Portier'),
      h('span', { class: 'device' }, `${info.name} · ${info.model}`),
      state.dev ? h('span', { class: 'badge dev' }, 'dev run') : null,
      liveBadge,
      h('span', { class: 'user' }, state.user ?? ''),
      h('button', { type: 'button', id: 'logout', onclick: () => void logout() }, 'Log out'),
    ),
    h('div', { class: 'layout' }, nav, main),
  );

  const ctx: PageContext = {
    schema,
    get config() {
      return config;
    },
    live,
    dev: state.dev,
    setConfig: (c) => (config = c),
  };
  live.on('config.changed', (d) => {
    const { source } = d as { source: string };
    if (!source.startsWith('api:')) toast(`Settings were changed (${source}): reload the page to see them.`);
  });
  live.on('closed', () => void boot());

  const route = async () => {
    const id = location.hash.replace(/^#\/?/, '') || home;
    const page = pages.find((p) => p.id === id) ?? pages[0]!;
    leave?.();
    leave = undefined;
    for (const a of nav.querySelectorAll('a')) a.toggleAttribute('aria-current', a.dataset.page === page.id);
    document.title = `${page.title} · Portier`;
    const r = await page.render(ctx);
    leave = r.leave;
    fill(main, r.el);
  };
  window.onhashchange = () => void route();
  api.onUnauthorized = () => void boot();
  live.connect();
  void route();
}

void boot().catch((err) =>
  fill(root, h('p', { class: 'error' }, `The device does not answer: ${(err as Error).message}`)),
);
