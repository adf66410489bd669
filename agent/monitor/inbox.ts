/**
 * The resident's inbox: the cloud's messages, which the cloud link stores (`inbox/messages.jsonl`,
 * bounded, newest 1,000) and announces (`message.received`); this keeps which were read
 * (`inbox/read.json`, written atomically) and shows them as plain text: control characters other than
 * new lines stripped, over-long title or text truncated with a mark.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock, Logger } from '../../core/index.ts';
import type { Bus } from '../bus.ts';
import type { InboxMessage } from '../cloud/index.ts';
import { writeFileAtomic } from '../config/atomic-file.ts';

export const TITLE_MAX = 64;
export const TEXT_MAX = 1000;
/** At most this many messages are shown (newest first). */
export const INBOX_SHOWN = 100;
const MARK = ' […]';

export type MessageView = { id: string; title: string; text: string; receivedAt: number; read: boolean };

/** Plain text: no control characters (new lines kept in a text), at most `max` characters, else truncated with a mark. */
export function plainText(s: string, max: number, newLines: boolean): string {
  let out = '';
  for (const ch of String(s)) {
    const c = ch.codePointAt(0)!;
    if (ch === '\n' && newLines) out += ch;
    else if (c < 0x20 || c === 0x7f || (c >= 0x80 && c < 0xa0) || c === 0x2028 || c === 0x2029) continue;
    else out += ch;
  }
  const chars = [...out];
  return chars.length > max ? chars.slice(0, max - [...MARK].length).join('') + MARK : out;
}

export class Inbox {
  #file: string;
  #stored: InboxMessage[] = [];
  #readFile: string;
  #read = new Set<string>();
  #deps: { bus: Bus; clock: Clock; log: Logger };
  #off: (() => void) | undefined;
  #live: InboxMessage[] = [];

  constructor(dataDir: string, deps: { bus: Bus; clock: Clock; log: Logger }) {
    this.#file = join(dataDir, 'inbox', 'messages.jsonl');
    this.#readFile = join(dataDir, 'inbox', 'read.json');
    this.#deps = deps;
  }

  async start(): Promise<void> {
    // Read only: the cloud link is the one writer of the file (a torn last line is skipped, as it does).
    const lines = (await readFile(this.#file, 'utf8').catch(() => '')).split('\n');
    for (const l of lines.slice(-INBOX_SHOWN - 1)) {
      try {
        if (l) this.#stored.push(JSON.parse(l) as InboxMessage);
      } catch {
        // torn by a power cut
      }
    }
    const text = await readFile(this.#readFile, 'utf8').catch(() => '[]');
    try {
      const ids = JSON.parse(text) as unknown;
      if (Array.isArray(ids)) for (const id of ids) if (typeof id === 'string') this.#read.add(id);
    } catch {
      this.#deps.log.warn(
        { file: this.#readFile },
        'the read marks of the inbox are unreadable: every message shows unread',
      );
    }
    // The cloud link appends to the file and announces each message: keep them without reading the file again.
    this.#off = this.#deps.bus.on('message.received', (m) => {
      this.#live.push(m);
      if (this.#live.length > INBOX_SHOWN) this.#live.shift();
    });
  }

  stop(): void {
    this.#off?.();
  }

  #all(): InboxMessage[] {
    const byId = new Map<string, InboxMessage>();
    for (const m of [...this.#stored, ...this.#live]) byId.set(m.id, m);
    return [...byId.values()].reverse().slice(0, INBOX_SHOWN);
  }

  list(): MessageView[] {
    return this.#all().map((m) => ({
      id: m.id,
      title: plainText(m.title, TITLE_MAX, false),
      text: plainText(m.text, TEXT_MAX, true),
      receivedAt: m.receivedAt,
      read: m.read || this.#read.has(m.id),
    }));
  }

  unread(): number {
    return this.list().filter((m) => !m.read).length;
  }

  /** Marks a message read (once): persisted, then `message.read` on the bus (the cloud link tells the cloud). */
  async markRead(id: string): Promise<MessageView | undefined> {
    const m = this.list().find((x) => x.id === id);
    if (!m) return undefined;
    if (m.read) return m;
    this.#read.add(id);
    const kept = new Set(this.#all().map((x) => x.id));
    await writeFileAtomic(this.#readFile, JSON.stringify([...this.#read].filter((x) => kept.has(x))));
    this.#deps.bus.emit('message.read', { id, at: this.#deps.clock.now() });
    return { ...m, read: true };
  }
}
