/**
 * baresip's own list of calls, to check the engine's call book against. `listcalls` prints one
 * user agent's calls by line number (no ids); `line <n>` + `callstat` tells each one's id; a call
 * the engine cannot name by id is ended by its line (`line <n>` + `hangup`).
 */
import type { CtrlClient } from './ctrl-client.ts';

/** One line of `listcalls`: "> [line 2]  0:00:05  ESTABLISHED  (on hold)  sip:bob@10.0.0.2". */
export type ListedCall = { line: number; state: string; onHold: boolean; peer: string; current: boolean };

/** A call baresip holds: its user agent, line, and id ('' when baresip cannot print it). */
export type HeldCall = ListedCall & { aor: string; id?: string; outgoing?: boolean };

const LINE = /^([> ])\s*\[line (\d+)\]\s+\S+\s+(\S+)\s+(\(on hold\))?\s*(.*)$/;

/** Parses the reply of `listcalls`. Lines it cannot read are skipped. */
export function parseCallList(text: string): ListedCall[] {
  const out: ListedCall[] = [];
  for (const raw of text.split('\n')) {
    const m = LINE.exec(raw.trimEnd());
    if (!m) continue;
    out.push({
      current: m[1] === '>',
      line: Number(m[2]),
      state: m[3]!,
      onHold: m[4] !== undefined,
      peer: m[5]!.trim(),
    });
  }
  return out;
}

/**
 * The id (SIP Call-ID) and direction of the current call from `callstat`. The id is '' when baresip
 * holds a call whose Call-ID it cannot print (one that begins with a NUL byte).
 */
export function callstatId(text: string): { id?: string; outgoing?: boolean } {
  const id = /(?:^|\s)id=(\S*)/m.exec(text)?.[1];
  const dir = /direction:\s*(Outgoing|Incoming)/.exec(text)?.[1];
  return { id, outgoing: dir === undefined ? undefined : dir === 'Outgoing' };
}

/**
 * Whether the engine can name a call by this id in commands (`callfind <id>`): printable ASCII,
 * as RFC 3261 allows for a Call-ID, and short enough for baresip's command buffer.
 */
export function usableCallId(id: string | undefined): id is string {
  return id !== undefined && /^[\x21-\x7e]{1,256}$/.test(id);
}

/**
 * The calls of each user agent (`aors`), as baresip holds them now. A user agent baresip does not
 * know is left out of the map. Changes baresip's current user agent and call: run it in the
 * engine's command queue, as every command that selects.
 */
export async function readHeldCalls(ctrl: CtrlClient, aors: string[]): Promise<Map<string, HeldCall[]>> {
  const out = new Map<string, HeldCall[]>();
  for (const aor of aors) {
    const [found, listed] = ctrl.send([{ command: 'uafind', params: aor }, { command: 'listcalls' }]);
    const f = await found!;
    const l = await listed!;
    if (!f.ok || !f.data.includes(aor)) continue; // listcalls then listed another user agent's calls
    const calls: HeldCall[] = [];
    for (const c of parseCallList(l.data)) {
      const [sel, stat] = ctrl.send([{ command: 'line', params: String(c.line) }, { command: 'callstat' }]);
      const s = await sel!;
      const st = await stat!;
      if (!s.data.includes(`setting current call: line ${c.line}`)) continue; // gone meanwhile
      calls.push({ ...c, aor, ...callstatId(st.data) });
    }
    out.set(aor, calls);
  }
  return out;
}

/**
 * Ends the call on `line` of user agent `aor` (a ringing one is refused with 486). The hangup goes in
 * one write with the selection: a call arriving in between would otherwise become the current one.
 */
export async function hangupLine(ctrl: CtrlClient, aor: string, line: number): Promise<boolean> {
  const select = [
    { command: 'uafind', params: aor },
    { command: 'line', params: String(line) },
  ];
  const selected = (data: string) => data.includes(`setting current call: line ${line}`);
  const [found, sel] = ctrl.send(select);
  if (!(await found!).ok || !selected((await sel!).data)) return false;
  const [, again, h] = ctrl.send([...select, { command: 'hangup' }]);
  return selected((await again!).data) && (await h!).ok;
}
