/** What ctrl_tcp sends: command responses and UA events, parsed and cleaned. */

export type CtrlResponse = { ok: boolean; data: string; token?: string };

/** A UA event as baresip 1.0.0 sends it (`type` e.g. REGISTER_OK, CALL_INCOMING, CALL_CLOSED ...). */
export type BaresipEvent = {
  type: string;
  class: string;
  accountaor?: string;
  direction?: 'incoming' | 'outgoing';
  peeruri?: string;
  peerdisplayname?: string;
  /** The call's SIP Call-ID; absent on the first events of an outgoing call. */
  id?: string;
  param?: string;
};

export type CtrlMessage = { kind: 'response'; response: CtrlResponse } | { kind: 'event'; event: BaresipEvent };

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences are what we strip
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** Removes the ANSI colour codes baresip puts in its text replies. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** Parses one ctrl_tcp frame; throws with a clear message on anything else. */
export function parseCtrlMessage(payload: string): CtrlMessage {
  let m: unknown;
  try {
    m = JSON.parse(payload);
  } catch {
    throw new Error(`ctrl_tcp sent invalid JSON: ${payload.slice(0, 120)}`);
  }
  if (typeof m !== 'object' || m === null) throw new Error(`ctrl_tcp sent a non-object: ${payload.slice(0, 120)}`);
  const o = m as Record<string, unknown>;
  if (o.response === true || o.response === 'true') {
    return {
      kind: 'response',
      response: {
        ok: o.ok === true || o.ok === 'true',
        data: typeof o.data === 'string' ? stripAnsi(o.data) : '',
        token: typeof o.token === 'string' ? o.token : undefined,
      },
    };
  }
  if ((o.event === true || o.event === 'true') && typeof o.type === 'string') {
    const str = (k: string) => (typeof o[k] === 'string' ? stripAnsi(o[k] as string) : undefined);
    const dir = str('direction');
    return {
      kind: 'event',
      event: {
        type: o.type,
        class: str('class') ?? '',
        accountaor: str('accountaor'),
        direction: dir === 'incoming' || dir === 'outgoing' ? dir : undefined,
        peeruri: str('peeruri'),
        peerdisplayname: str('peerdisplayname'),
        id: str('id'),
        param: str('param'),
      },
    };
  }
  throw new Error(`ctrl_tcp sent neither a response nor an event: ${payload.slice(0, 120)}`);
}

/** Splits "486 Busy Here" into its code and text; other reasons ("Connection timed out") have no code. */
export function parseStatus(text: string | undefined): { code?: number; reason: string } {
  const t = (text ?? '').trim();
  const m = /^([1-6]\d\d)(?:\s+(.*))?$/.exec(t);
  return m ? { code: Number(m[1]), reason: t } : { reason: t };
}

/** Reads the call id out of a `callstat` reply ("... af=AF_INET id=75d5343b50bc0591 ..."). */
export function parseCallstat(text: string): { id?: string; outgoing?: boolean; peer?: string } {
  const id = /\bid=([^\s]+)/.exec(text)?.[1];
  const dir = /direction:\s*(Outgoing|Incoming)/.exec(text)?.[1];
  const peer = /peer_uri:.*<([^>]*)>/.exec(text)?.[1];
  return { id, outgoing: dir === undefined ? undefined : dir === 'Outgoing', peer };
}
