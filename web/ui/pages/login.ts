/** Login, and the first-run setup (offered only until the admin password is set). */
import { ApiFailure, api } from '../lib/api.ts';
import { h } from '../lib/dom.ts';

type Session = { user: string; csrfToken: string };

function passwordField(id: string, label: string, auto: string) {
  const input = h('input', { id, name: id, type: 'password', autocomplete: auto, required: true });
  const error = h('p', { class: 'error', id: `e-${id}`, role: 'alert', hidden: true });
  return {
    input,
    error,
    el: h('div', { class: 'field' }, h('label', { for: id }, label), h('div', { class: 'control' }, input), error),
  };
}

function shell(title: string, ...children: HTMLElement[]): HTMLElement {
  return h(
    'main',
    { class: 'login' },
    h('div', { class: 'card login-card' }, h('div', { class: 'brand' }, 'Portier'), h('h1', {}, title), ...children),
  );
}

export function loginPage(onDone: (s: Session) => void): HTMLElement {
  const user = h('input', { id: 'login-user', name: 'user', type: 'text', value: 'admin', autocomplete: 'username' });
  const pw = passwordField('login-password', 'Password', 'current-password');
  const message = h('p', { class: 'error', id: 'login-message', role: 'alert', hidden: true });
  const submit = async (e: Event) => {
    e.preventDefault();
    message.hidden = true;
    try {
      onDone(await api.post<Session>('/auth/login', { user: user.value, password: pw.input.value }));
    } catch (err) {
      const f = err instanceof ApiFailure ? err : undefined;
      const left = f?.details.attemptsLeft as number | undefined;
      message.textContent =
        f?.code === 'wrong_password' && left !== undefined
          ? `${f.message} (${left} attempt${left === 1 ? '' : 's'} left before a lockout)`
          : (err as Error).message;
      message.hidden = false;
      pw.input.value = '';
      pw.input.focus();
    }
  };
  return shell(
    'Log in',
    h(
      'form',
      { novalidate: true, onsubmit: submit, 'aria-label': 'Log in' },
      h('div', { class: 'field' }, h('label', { for: 'login-user' }, 'User'), h('div', { class: 'control' }, user)),
      pw.el,
      message,
      h('button', { type: 'submit', class: 'primary', id: 'login-submit' }, 'Log in'),
    ),
  );
}

export function setupPage(dev: boolean, onDone: (s: Session) => void): HTMLElement {
  const code = h('input', {
    id: 'setup-code',
    name: 'code',
    type: 'text',
    autocomplete: 'one-time-code',
    spellcheck: 'false',
  });
  const codeErr = h('p', { class: 'error', id: 'e-setup-code', role: 'alert', hidden: true });
  const pw = passwordField('setup-password', 'New admin password', 'new-password');
  const again = passwordField('setup-again', 'Password again', 'new-password');
  const submit = async (e: Event) => {
    e.preventDefault();
    for (const x of [codeErr, pw.error, again.error]) x.hidden = true;
    if (pw.input.value !== again.input.value) {
      again.error.textContent = 'does not match the password';
      again.error.hidden = false;
      return;
    }
    try {
      onDone(await api.post<Session>('/auth/setup', { code: code.value, password: pw.input.value }));
    } catch (err) {
      const f = err instanceof ApiFailure ? err : undefined;
      const target = f?.code === 'weak_password' ? pw.error : codeErr;
      target.textContent = f?.code === 'weak_password' ? (f.problems[0]?.message ?? f.message) : (err as Error).message;
      target.hidden = false;
    }
  };
  return shell(
    'First-run setup',
    h(
      'p',
      {},
      'This device has no admin password yet. Enter the one-time setup code ',
      dev ? 'printed in the agent log (make run) ' : 'printed in the device log at start ',
      'and choose the admin password (at least 8 characters). The user name is admin.',
    ),
    h(
      'form',
      { novalidate: true, onsubmit: submit, 'aria-label': 'First-run setup' },
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'setup-code' }, 'Setup code'),
        h('div', { class: 'control' }, code),
        codeErr,
      ),
      pw.el,
      again.el,
      h('button', { type: 'submit', class: 'primary', id: 'setup-submit' }, 'Set password'),
    ),
  );
}
