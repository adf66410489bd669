/**
 * Where each incoming INVITE came from, read from baresip's SIP trace (`baresip -s`): ctrl_tcp's
 * CALL_INCOMING names the caller only by its From URI, which the caller writes; the trace names the
 * address the message came from. baresip 1.0.0 prints every SIP message it sends or receives on its
 * stdout as
 *
 *   ESC[36;1m#\n<UDP|TCP|TLS> <source> -> <destination>\n<the message, byte for byte>ESC[;m\n
 *
 * The first line is baresip's; the message bytes are the sender's and may contain anything, a fake
 * block included, and over UDP they are the whole datagram, longer or shorter than its
 * Content-Length says. So a block is read thus: its headers (up to the first empty line, where libre
 * reads them too) must hold no ESC byte; the block ends at the first closing mark after them; and no
 * opening mark may lie inside it. A block that breaks a rule can only be a sender's forgery: from
 * then on no source is trusted (`sourceOf` answers '' for every call: unknown, which matches no
 * address) until baresip restarts with a new SipTrace. A closing mark that a sender put in its body
 * only ends that block early: what follows is read as ordinary output, where a fake block can name a
 * Call-ID, but never hide a real block (the rules above), so the real INVITE of that Call-ID is seen
 * too, and a Call-ID seen from two addresses is unknown. Everything outside the blocks is passed on
 * as baresip's ordinary output (menu prints a SIP MESSAGE's body there).
 */
import { StringDecoder } from 'node:string_decoder';

const OPEN = Buffer.from('\x1b[36;1m#\n');
const CLOSE = Buffer.from('\x1b[;m\n');
const ESC = 0x1b;
const HEADERS_END = Buffer.from('\r\n\r\n');
/** Longer headers, or a longer body, than libre takes put the trace out of step. */
const MAX_HEADERS = 65_536;
const MAX_BODY = 262_144;
/** INVITE sources kept (oldest forgotten first). */
const MAX_SOURCES = 512;
const FIRST_LINE = /^(UDP|TCP|TLS|WS|WSS) (\S+) -> (\S+)$/;

export class SipTrace {
  #buf: Buffer = Buffer.alloc(0);
  #inBlock = false;
  #trusted = true;
  #text = new StringDecoder('utf8');
  #sources = new Map<string, string>();
  #onLost: (why: string) => void;

  /** `onLost` is told once, when the trace gets out of step. */
  constructor(onLost: (why: string) => void = () => {}) {
    this.#onLost = onLost;
  }

  /** True until the trace got out of step. */
  get trusted(): boolean {
    return this.#trusted;
  }

  /**
   * The address (`ip:port`, `[v6]:port`) the INVITE of this Call-ID came from; '' when it is not
   * known (not seen, seen from two addresses, or the trace is out of step).
   */
  sourceOf(callId: string): string {
    if (!this.#trusted) return '';
    return this.#sources.get(callId) ?? '';
  }

  /** Adds a chunk of baresip's stdout; returns the ordinary output in it (outside the trace blocks). */
  push(chunk: Buffer): string {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : chunk;
    let out = '';
    for (;;) {
      if (!this.#inBlock) {
        const open = this.#buf.indexOf(OPEN);
        if (open < 0) {
          // keep what could be the start of an opening mark
          const keep = Math.min(this.#buf.length, OPEN.length - 1);
          out += this.#text.write(this.#buf.subarray(0, this.#buf.length - keep));
          this.#buf = this.#buf.subarray(this.#buf.length - keep);
          return out;
        }
        out += this.#text.write(this.#buf.subarray(0, open));
        this.#buf = this.#buf.subarray(open + OPEN.length);
        this.#inBlock = true;
      }
      const used = this.#block();
      if (used === 0) return out;
      this.#inBlock = false;
      if (used < 0) {
        // not a block after all (out of step): pass its mark on and read on as ordinary output
        out += this.#text.write(OPEN);
        continue;
      }
      this.#buf = this.#buf.subarray(used);
    }
  }

  /** What is left at the end of the output. */
  flush(): string {
    const rest = this.#inBlock ? '' : this.#text.write(this.#buf);
    this.#buf = Buffer.alloc(0);
    return rest + this.#text.end();
  }

  /** Reads one block at the start of the buffer: the bytes it used, 0 if more are needed, -1 if it is none. */
  #block(): number {
    const b = this.#buf;
    const nl = b.indexOf(0x0a);
    if (nl < 0) return b.length > 256 ? this.#lost('a trace line without its end') : 0;
    const first = FIRST_LINE.exec(b.subarray(0, nl).toString('latin1'));
    if (!first) return this.#lost('a trace block without its transport line');
    const start = nl + 1;
    const end = b.indexOf(HEADERS_END, start);
    const esc = b.indexOf(ESC, start);
    if (esc >= 0 && (end < 0 || esc < end)) return this.#lost('an escape code in SIP headers');
    if (end < 0) return b.length - start > MAX_HEADERS ? this.#lost('SIP headers too long') : 0;
    const close = b.indexOf(CLOSE, end);
    if (close < 0) return b.length - end > MAX_BODY ? this.#lost('a SIP message too long') : 0;
    if (b.subarray(start, close).indexOf(OPEN) >= 0) return this.#lost('a trace mark inside a SIP message');
    const head = b.subarray(start, end).toString('latin1').split(/\r?\n/);
    if (/^INVITE /.test(head[0] ?? '')) for (const id of headers(head, 'call-id', 'i')) this.#record(id, first[2]!);
    return close + CLOSE.length;
  }

  #record(callId: string, source: string): void {
    if (!callId) return;
    const seen = this.#sources.get(callId);
    // a second INVITE of the same call (retransmission, re-INVITE) from elsewhere: trust neither
    this.#sources.delete(callId);
    this.#sources.set(callId, seen === undefined || seen === source ? source : '');
    if (this.#sources.size > MAX_SOURCES) this.#sources.delete(this.#sources.keys().next().value!);
  }

  /** The trace is out of step: from now on no source is trusted. */
  #lost(why: string): -1 {
    if (this.#trusted) this.#onLost(why);
    this.#trusted = false;
    this.#sources.clear();
    return -1;
  }
}

/** Every value of a header, by its name or compact form (case-insensitive), trimmed: libre takes the last. */
function headers(lines: string[], name: string, compact: string): string[] {
  const out: string[] = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const n = line.slice(0, colon).trim().toLowerCase();
    if (n === name || n === compact) out.push(line.slice(colon + 1).trim());
  }
  return out;
}
