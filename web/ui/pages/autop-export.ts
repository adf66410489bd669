/**
 * The autop export with the passwords: only for the admin's session, which enters the admin
 * password again (a wrong one counts toward the login lockout). The plain export leaves them out.
 */
import { api } from '../lib/api.ts';
import { fill, h, toast } from '../lib/dom.ts';

export function secretsExport(): HTMLElement {
  const password = h('input', {
    id: 'autop-secrets-password',
    name: 'autop-secrets-password',
    type: 'password',
    autocomplete: 'current-password',
  });
  const err = h('p', { class: 'error', id: 'e-autop-secrets-password', role: 'alert', hidden: true });
  const submit = async (e: Event) => {
    e.preventDefault();
    err.hidden = true;
    let res: Response;
    try {
      res = await fetch('/api/v1/config/autop/export', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': api.csrf },
        body: JSON.stringify({ password: password.value, secrets: true }),
        credentials: 'same-origin',
      });
    } catch {
      res = new Response(null, { status: 503 });
    }
    password.value = '';
    if (!res.ok) {
      const doc = (await res.json().catch(() => undefined)) as
        | { error?: { code: string; message: string } }
        | undefined;
      if (res.status === 401 && doc?.error?.code === 'unauthorized') return api.onUnauthorized();
      fill(err, doc?.error?.message ?? `the device does not answer (HTTP ${res.status})`);
      err.hidden = false;
      return;
    }
    const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'portier.cfg';
    const url = URL.createObjectURL(await res.blob());
    const a = h('a', { href: url, download: name, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    toast('Exported with the passwords: keep the file safe');
  };
  return h(
    'form',
    { class: 'row', novalidate: true, onsubmit: submit, 'aria-label': 'Export with the passwords' },
    h('label', { for: 'autop-secrets-password' }, 'Admin password'),
    password,
    h('button', { type: 'submit', id: 'autop-export-secrets' }, 'Export with passwords'),
    err,
  );
}
