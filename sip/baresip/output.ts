/**
 * baresip's console output, split into lines with their level. baresip 1.0.0 (src/log.c) prints
 * every log line to stdout, and wraps warnings and errors in red: `\x1b[31m<text>\x1b[;m`. The text
 * usually ends with its own newline, so the reset code comes at the start of the next line, and a
 * warning may span several lines: the colour state is kept across chunks and lines.
 */
import { stripAnsi } from './messages.ts';

export type OutputLine = { text: string; warning: boolean };

const RED = '\x1b[31m';
const RESET = '\x1b[;m';
/** A line without a newline longer than this is cut (a stuck or garbled output must not grow memory). */
const MAX_LINE = 4096;

export class OutputLines {
  #partial = '';
  #red = false;

  /** Adds a chunk of output; returns the complete lines it finished. */
  push(chunk: string): OutputLine[] {
    const out: OutputLine[] = [];
    let text = this.#partial + chunk;
    this.#partial = '';
    for (;;) {
      const nl = text.indexOf('\n');
      if (nl < 0) break;
      this.#line(text.slice(0, nl), out);
      text = text.slice(nl + 1);
    }
    if (text.length > MAX_LINE) {
      this.#line(text, out);
      text = '';
    }
    this.#partial = text;
    return out;
  }

  /** The line still without a newline, if any (when the process exits). */
  flush(): OutputLine[] {
    const out: OutputLine[] = [];
    if (this.#partial) this.#line(this.#partial, out);
    this.#partial = '';
    return out;
  }

  #line(raw: string, out: OutputLine[]): void {
    // Walk the colour codes of this line: text is a warning if it was printed while red.
    let warning = false;
    let pos = 0;
    for (;;) {
      const red = raw.indexOf(RED, pos);
      const reset = raw.indexOf(RESET, pos);
      const next = [red, reset].filter((i) => i >= 0).sort((a, b) => a - b)[0];
      const segment = raw.slice(pos, next ?? raw.length);
      if (this.#red && stripAnsi(segment).trim()) warning = true;
      if (next === undefined) break;
      if (next === red) {
        this.#red = true;
        pos = red + RED.length;
      } else {
        this.#red = false;
        pos = reset + RESET.length;
      }
    }
    const text = stripAnsi(raw).replace(/\r$/, '');
    if (text.trim()) out.push({ text, warning });
  }
}
