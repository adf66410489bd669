/**
 * Firmware (Security & System): the running version, RAUC's slots, this boot's health checks, an
 * update from a URL or an uploaded bundle, its progress and a Cancel while it can still be
 * cancelled. One GET when the page opens (and when the events stream reconnects, e.g. after the
 * reboot); the progress then comes from the events stream (`firmware.update`), without polling.
 */
import { api } from '../lib/api.ts';
import { fill, fmtTime, h, toast } from '../lib/dom.ts';
import type { Live } from '../lib/live.ts';
import { card, note } from './page.ts';

type Slot = { name: string; bootname: string; state: string; bootStatus: string; version?: string };
type Update = {
  step: string;
  percent?: number;
  message?: string;
  error?: string;
  url?: string;
  upload?: boolean;
  bundleVersion?: string;
  fromVersion: string;
  updatedAt: number;
};
type Status = {
  available: boolean;
  reason?: string;
  version: string;
  compatible?: string;
  booted?: string;
  slots: Slot[];
  health: { passed: boolean | null; problem?: string };
  update: Update | null;
};

/** What each step means to the person watching. */
const STEPS: Record<string, string> = {
  waiting: 'Waiting for the call to end',
  downloading: 'Downloading',
  verifying: 'Verifying the bundle',
  installing: 'Installing into the other slot',
  rebooting: 'Rebooting into the new version',
  'verifying-new-slot': 'Checking the new version',
  'rolling-back': 'The new version failed its checks: going back',
  done: 'Done',
  failed: 'Failed',
  canceled: 'Cancelled',
};
/** Steps that end an update. */
const FINAL = ['done', 'failed', 'canceled'];
/** Steps during which a cancel is taken (before RAUC writes the slot). */
const CANCELLABLE = ['waiting', 'downloading', 'verifying'];

export function firmwareCard(live: Live): { el: HTMLElement; stop: () => void } {
  const info = h('dl', { class: 'info' });
  const slots = h('div');
  const progress = h('div', { role: 'status', 'aria-live': 'polite' });
  const form = h('div');
  let status: Status | undefined;
  const offs: (() => void)[] = [];

  const cancel = async () => {
    const res = await fetch('/api/v1/firmware', {
      method: 'DELETE',
      headers: { accept: 'application/json', 'x-csrf-token': api.csrf, 'x-portier-ui': '1' },
      credentials: 'same-origin',
    }).catch(() => undefined);
    const doc = (await res?.json().catch(() => undefined)) as { error?: { message: string } } | undefined;
    if (res?.ok) toast('Update cancelled');
    else toast(doc?.error?.message ?? 'the device does not answer', 'error');
  };
  const cancelButton = h(
    'button',
    { type: 'button', class: 'danger', id: 'fw-cancel', onclick: () => void cancel() },
    'Cancel the update',
  ) as HTMLButtonElement;

  const render = (s: Status) => {
    status = s;
    fill(
      info,
      ...[
        ['Version', s.version],
        ['Model (compatible)', s.compatible ?? '—'],
        ['Booted slot', s.booted ?? '—'],
        [
          'Health checks (this boot)',
          !s.available
            ? '—'
            : s.health.passed === null
              ? 'running…'
              : s.health.passed
                ? 'passed'
                : `failed: ${s.health.problem ?? ''}`,
        ],
      ].flatMap(([k, v]) => [h('dt', {}, k ?? ''), h('dd', {}, v ?? '')]),
    );
    fill(
      slots,
      s.slots.length
        ? h(
            'table',
            { class: 'slots', 'aria-label': 'Firmware slots' },
            h('thead', {}, h('tr', {}, ...['Slot', 'State', 'Boot status', 'Version'].map((t) => h('th', {}, t)))),
            h(
              'tbody',
              {},
              ...s.slots.map((x) =>
                h(
                  'tr',
                  {},
                  h('td', {}, `${x.bootname} (${x.name})`),
                  h('td', {}, x.state),
                  h('td', {}, x.bootStatus),
                  h('td', {}, x.version ?? '—'),
                ),
              ),
            ),
          )
        : note(s.available ? (s.reason ?? '') : `Updates are not possible on this device: ${s.reason ?? ''}`),
    );
    const u = s.update;
    fill(
      progress,
      u
        ? h(
            'p',
            { class: u.step === 'failed' ? 'error' : 'note', id: 'fw-progress' },
            `${STEPS[u.step] ?? u.step}${u.percent !== undefined ? ` ${u.percent}%` : ''}`,
            u.bundleVersion ? ` — version ${u.bundleVersion}` : '',
            u.error ? `: ${u.error}` : '',
            u.step === 'canceled' && u.message ? `: ${u.message}` : '',
            ` (${fmtTime(u.updatedAt)})`,
          )
        : '',
      u && CANCELLABLE.includes(u.step) ? cancelButton : '',
    );
    form.hidden = !s.available;
    const running = !!u && !FINAL.includes(u.step);
    for (const b of form.querySelectorAll('button')) (b as HTMLButtonElement).disabled = running;
  };
  const refresh = () =>
    void api.get<Status>('/firmware').then(render, (e) => {
      fill(progress, h('p', { class: 'error' }, (e as Error).message));
    });
  // the steps as they happen; a reconnection (the device rebooted) fetches a fresh snapshot
  offs.push(
    live.on('firmware.update', (d) => {
      if (status) render({ ...status, update: d as Update });
    }),
    live.on('resync', refresh),
  );

  const url = h('input', { id: 'fw-url', name: 'fw-url', type: 'url', placeholder: 'https://…/update.raucb' });
  const file = h('input', { id: 'fw-file', name: 'fw-file', type: 'file', accept: '.raucb' });
  const fromUrl = async (e: Event) => {
    e.preventDefault();
    if (!url.value.trim()) return toast('Give the URL of a bundle (.raucb) first', 'error');
    if (!confirm(`Install the bundle at ${url.value}? The device reboots into the new version.`)) return;
    try {
      await api.post('/firmware', { url: url.value });
      toast('Update started');
    } catch (err) {
      toast((err as Error).message, 'error');
    }
  };
  const upload = async () => {
    const f = file.files?.[0];
    if (!f) return toast('Choose a bundle (.raucb) first', 'error');
    if (!confirm(`Install ${f.name}? The device reboots into the new version.`)) return;
    fill(progress, h('p', { class: 'note' }, `Uploading ${f.name}…`));
    const res = await fetch('/api/v1/firmware', {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'x-csrf-token': api.csrf, 'x-portier-ui': '1' },
      body: f,
      credentials: 'same-origin',
    }).catch(() => undefined);
    const doc = (await res?.json().catch(() => undefined)) as { error?: { message: string } } | undefined;
    if (!res?.ok) toast(doc?.error?.message ?? 'the upload failed', 'error');
    else toast('Bundle uploaded: update started');
  };
  fill(
    form,
    h(
      'form',
      { class: 'row', novalidate: true, onsubmit: fromUrl, 'aria-label': 'Update from a URL' },
      h('label', { for: 'fw-url' }, 'Bundle URL'),
      url,
      h('button', { type: 'submit', class: 'primary' }, 'Update from URL'),
    ),
    h(
      'div',
      { class: 'row' },
      h('label', { for: 'fw-file' }, 'Bundle file'),
      file,
      h('button', { type: 'button', onclick: () => void upload() }, 'Upload and install'),
    ),
    note(
      'One update at a time; it waits for a call in progress to end. It can be cancelled until the install into the other slot starts. The device reboots into the new version and goes back to this one if it does not pass its checks.',
    ),
  );
  refresh();
  return {
    el: card('Firmware', info, slots, progress, form),
    stop: () => {
      for (const off of offs.splice(0)) off();
    },
  };
}
