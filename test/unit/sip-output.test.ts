/** baresip's console output: warnings and errors (printed red by its log.c) told apart from the rest. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OutputLines } from '../../sip/baresip/output.ts';

const RED = '\x1b[31m';
const RESET = '\x1b[;m';

describe('baresip output lines', () => {
  it('a red line is a warning, with the reset code at the start of the next line as baresip prints it', () => {
    const o = new OutputLines();
    const lines = o.push(
      `Local network address:  IPv4=127.0.0.1\n${RED}ua: SDP offer AF not available (AF_INET6)\n${RESET}call: connecting\n`,
    );
    assert.deepEqual(lines, [
      { text: 'Local network address:  IPv4=127.0.0.1', warning: false },
      { text: 'ua: SDP offer AF not available (AF_INET6)', warning: true },
      { text: 'call: connecting', warning: false },
    ]);
  });

  it('keeps the colour and the partial line across chunks; a multi-line warning is a warning on each line', () => {
    const o = new OutputLines();
    assert.deepEqual(o.push(`${RED}menu: ua_fi`), []);
    assert.deepEqual(o.push(`nd failed: sip:x@y\nsecond line\n${RESET}`), [
      { text: 'menu: ua_find failed: sip:x@y', warning: true },
      { text: 'second line', warning: true },
    ]);
    assert.deepEqual(o.push('ok\n'), [{ text: 'ok', warning: false }]);
  });

  it('other colours are not warnings; empty lines are dropped; the rest is flushed at the end', () => {
    const o = new OutputLines();
    assert.deepEqual(o.push('\x1b[32mcall established\x1b[;m\n\n'), [{ text: 'call established', warning: false }]);
    assert.deepEqual(o.push(`${RED}last words`), []);
    assert.deepEqual(o.flush(), [{ text: 'last words', warning: true }]);
  });

  it('a line that never ends is cut instead of growing', () => {
    const o = new OutputLines();
    const lines = o.push('x'.repeat(5000));
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.text.length, 5000);
  });
});
