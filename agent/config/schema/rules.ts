/** Rules that span several fields. Each problem names the field it is about. */
import type * as z from '../../../core/zod.ts';

type Issue = { path: (string | number)[]; message: string };

/** The parts of the config the rules read (kept structural so this file needs no import cycle). */
type Shape = {
  sip: { rtpPortMin: number; rtpPortMax: number };
  web: { port: number; https: boolean; httpsPort: number };
  cloud: { enabled: boolean; brokerUrl: string };
  smtp: { host: string; to: string };
  ftp: { url: string };
  accounts: {
    enabled: boolean;
    mode: string;
    server: string;
    user: string;
    dnd: { when: string; schedule: string };
  }[];
  intercom: {
    pushButtonAction: { relay: number; email: boolean; ftp: boolean; http: boolean; httpUrl: string };
    multicast: { listen: { address: string; port: number }[] };
    callSchedule: { enabled: boolean; name: string; numbers: string[]; schedules: string[] }[];
  };
  relays: { enabled: boolean; dtmfCode: string; line: string; name: string }[];
  inputs: { enabled: boolean; line: string; role: string; relay: number; callTemplates: string[] }[];
  schedules: { name: string }[];
};

export function crossFieldIssues(c: Shape): Issue[] {
  const issues: Issue[] = [];
  const add = (path: (string | number)[], message: string) => issues.push({ path, message });
  const scheduleNames = uniqueNames(c.schedules, ['schedules']);
  const templateNames = uniqueNames(c.intercom.callSchedule, ['intercom', 'callSchedule']);

  if (c.sip.rtpPortMin >= c.sip.rtpPortMax) add(['sip', 'rtpPortMax'], 'must be greater than RTP port min');
  if (c.web.https && c.web.httpsPort === c.web.port) add(['web', 'httpsPort'], 'must differ from the HTTP port');
  if (c.cloud.enabled && !c.cloud.brokerUrl) add(['cloud', 'brokerUrl'], 'is required when the cloud link is enabled');

  c.accounts.forEach((a, i) => {
    if (a.enabled && !a.server) add(['accounts', i, 'server'], 'is required for an enabled account');
    if (a.enabled && a.mode === 'registered' && !a.user)
      add(['accounts', i, 'user'], 'is required for an enabled registered account');
    if (a.dnd.when === 'schedule') requireSchedule(['accounts', i, 'dnd', 'schedule'], a.dnd.schedule);
  });

  const relayRef = (path: (string | number)[], id: number) => {
    const r = c.relays[id - 1]; // ids out of range are reported by the field's own range check
    if (r && !r.enabled) add(path, `relay ${id} (${r.name || 'unnamed'}) is disabled`);
  };

  const action = c.intercom.pushButtonAction;
  relayRef(['intercom', 'pushButtonAction', 'relay'], action.relay);
  if (action.http && !action.httpUrl)
    add(['intercom', 'pushButtonAction', 'httpUrl'], 'is required when the HTTP URL action is on');
  if (action.email && (!c.smtp.host || !c.smtp.to))
    add(['intercom', 'pushButtonAction', 'email'], 'needs the SMTP server and receiver address (smtp.host, smtp.to)');
  if (action.ftp && !c.ftp.url) add(['intercom', 'pushButtonAction', 'ftp'], 'needs the FTP server (ftp.url)');

  const ports = new Map<number, number>();
  c.intercom.multicast.listen.forEach((l, i) => {
    if (!l.address) return;
    const other = ports.get(l.port);
    if (other !== undefined)
      add(
        ['intercom', 'multicast', 'listen', i, 'port'],
        `port ${l.port} is already used by listening address ${other + 1}`,
      );
    else ports.set(l.port, i);
  });

  function requireSchedule(path: (string | number)[], name: string) {
    if (!name) add(path, 'a schedule is required');
    else if (!scheduleNames.has(name)) add(path, `schedule "${name}" does not exist`);
  }

  c.intercom.callSchedule.forEach((t, i) => {
    const at = ['intercom', 'callSchedule', i];
    if (!t.enabled) return;
    if (!t.name) add([...at, 'name'], 'an enabled template needs a name');
    if (t.numbers.length === 0) add([...at, 'numbers'], 'an enabled template needs at least one number');
    if (t.schedules.length === 0) add([...at, 'schedules'], 'an enabled template needs at least one schedule');
    t.schedules.forEach((s, j) => {
      if (!scheduleNames.has(s)) add([...at, 'schedules', j], `schedule "${s}" does not exist`);
    });
  });

  const codes = new Map<string, number>();
  c.relays.forEach((r, i) => {
    if (!r.enabled) return;
    if (!r.line) add(['relays', i, 'line'], 'an enabled relay needs a GPIO line');
    if (!r.dtmfCode) return;
    const other = codes.get(r.dtmfCode);
    if (other !== undefined) add(['relays', i, 'dtmfCode'], `code ${r.dtmfCode} is already used by relay ${other + 1}`);
    else codes.set(r.dtmfCode, i);
  });

  const lines = new Map<string, string>();
  const claimLine = (path: (string | number)[], line: string, owner: string) => {
    const other = lines.get(line);
    if (other) add(path, `GPIO line ${line} is already used by ${other}`);
    else lines.set(line, owner);
  };
  c.relays.forEach((r, i) => {
    if (r.enabled && r.line) claimLine(['relays', i, 'line'], r.line, `relay ${i + 1}`);
  });

  c.inputs.forEach((inp, i) => {
    const at = ['inputs', i];
    if (!inp.enabled) return;
    if (!inp.line) add([...at, 'line'], 'an enabled input needs a GPIO line');
    else claimLine([...at, 'line'], inp.line, `input ${i + 1}`);
    if (inp.role === 'exit-button' && inp.relay === 0) add([...at, 'relay'], 'an exit button needs a relay');
    relayRef([...at, 'relay'], inp.relay);
    if (inp.callTemplates.length && inp.role !== 'push-button')
      add([...at, 'callTemplates'], 'only a push button can use call schedule templates');
    inp.callTemplates.forEach((name, j) => {
      if (!templateNames.has(name)) add([...at, 'callTemplates', j], `template "${name}" does not exist`);
    });
  });

  function uniqueNames(items: { name: string }[], base: (string | number)[]): Set<string> {
    const seen = new Set<string>();
    items.forEach((it, i) => {
      if (!it.name) return;
      if (seen.has(it.name)) add([...base, i, 'name'], `name "${it.name}" is used twice`);
      seen.add(it.name);
    });
    return seen;
  }

  return issues;
}

/** Adds the cross-field issues to a zod refinement context. */
export function refineConfig(c: Shape, ctx: z.core.$RefinementCtx<unknown>): void {
  let issues: Issue[];
  try {
    issues = crossFieldIssues(c);
  } catch {
    return; // the shape itself is wrong: the field issues already say where
  }
  for (const i of issues) ctx.addIssue({ code: 'custom', path: i.path, message: i.message, input: c });
}
