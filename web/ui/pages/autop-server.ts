/**
 * The auto-provisioning block of the Network & Cloud page: the server URL in use and where it came
 * from, the next run, the last runs (files, outcome, the problems with file and line), and "Run
 * now". File names, URLs and problems come from a server: they are rendered as text, never as HTML.
 */
import { api } from '../lib/api.ts';
import { fill, h } from '../lib/dom.ts';

/** The `cloud.*` settings of auto-provisioning (shown in their own card). */
export const AUTOP_KEYS = [
  'autopUrl',
  'autopMode',
  'autopInterval',
  'autopPowerOnJitter',
  'autopJitter',
  'autopUsername',
  'autopPassword',
  'autopCaFile',
  'autopDhcp',
  'autopPnp',
];

type FileRecord = { name: string; status: string; sha256?: string; error?: string };
type RunRecord = {
  id: number;
  trigger: string;
  endedAt: string;
  url?: string;
  source?: string;
  files: FileRecord[];
  outcome: string;
  problems: string[];
  changed: string[];
  error?: string;
};
type Status = {
  mode: string;
  server?: { url: string; source: string };
  waitingForCall: boolean;
  nextRunAt?: string;
  runs: RunRecord[];
};

const SOURCES: Record<string, string> = {
  static: 'the setting',
  'dhcp-66': 'DHCP option 66',
  'dhcp-43': 'DHCP option 43',
  pnp: 'SIP PnP',
};

function runEl(r: RunRecord): HTMLElement {
  const files = r.files.map((f) => `${f.name} ${f.status}${f.sha256 ? ` (sha256 ${f.sha256.slice(0, 12)}…)` : ''}`);
  return h(
    'li',
    { class: `autop-run autop-${r.outcome}`, 'data-run': r.id },
    h('strong', {}, r.outcome),
    ` ${new Date(r.endedAt).toLocaleString()} (${r.trigger})`,
    r.url ? h('div', {}, `${r.url}${r.source ? ` from ${SOURCES[r.source] ?? r.source}` : ''}`) : null,
    files.length ? h('div', {}, `Files: ${files.join(', ')}`) : null,
    r.outcome === 'applied' ? h('div', {}, `${r.changed.length} setting(s) changed`) : null,
    r.error ? h('p', { class: 'error' }, r.error) : null,
    r.problems.length ? h('ul', { class: 'form-errors' }, ...r.problems.map((p) => h('li', {}, p))) : null,
  );
}

export function autopServerStatus(): HTMLElement {
  const body = h('div', { class: 'autop-status', role: 'status', 'aria-live': 'polite' }, 'Loading…');
  const button = h('button', { type: 'button', id: 'autop-run' }, 'Run now');
  const show = (s: Status) =>
    fill(
      body,
      h(
        'p',
        {},
        s.server
          ? `Server: ${s.server.url} (from ${SOURCES[s.server.source] ?? s.server.source}).`
          : 'No server: set the autop server URL, or turn on DHCP option 66/43.',
        s.waitingForCall ? ' A run waits for the call in progress to end.' : '',
        s.nextRunAt ? ` Next run: ${new Date(s.nextRunAt).toLocaleString()}.` : '',
      ),
      s.runs.length ? h('ol', { class: 'autop-runs' }, ...s.runs.slice(0, 5).map(runEl)) : h('p', {}, 'No run yet.'),
    );
  const load = async () => {
    try {
      show(await api.get<Status>('/provisioning'));
    } catch (err) {
      fill(body, h('p', { class: 'error' }, (err as Error).message));
    }
  };
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await api.post('/provisioning/run');
    } catch (err) {
      fill(body, h('p', { class: 'error' }, (err as Error).message));
    } finally {
      button.disabled = false;
      await load();
    }
  });
  void load();
  return h('div', { class: 'autop-server' }, body, h('p', {}, button));
}
