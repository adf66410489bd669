import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeNetstring, NetstringDecoder } from '../../sip/baresip/netstring.ts';

describe('netstring framing', () => {
  it('encodes with the byte length (not the character count)', () => {
    assert.equal(encodeNetstring('{"a":"é"}').toString('utf8'), '10:{"a":"é"},');
  });

  it('decodes frames split at every byte, and several frames in one chunk', () => {
    const stream = Buffer.concat([encodeNetstring('{"x":1}'), encodeNetstring(''), encodeNetstring('{"y":"ü,:"}')]);
    const d = new NetstringDecoder();
    const out: string[] = [];
    for (const byte of stream) out.push(...d.push(Buffer.from([byte])));
    assert.deepEqual(out, ['{"x":1}', '', '{"y":"ü,:"}']);
    assert.equal(d.pending, 0);
    assert.deepEqual(new NetstringDecoder().push(stream), out);
  });

  it('keeps a partial frame until the rest arrives', () => {
    const d = new NetstringDecoder();
    assert.deepEqual(d.push(Buffer.from('5:hel')), []);
    assert.deepEqual(d.push(Buffer.from('lo,3:ab')), ['hello']);
    assert.deepEqual(d.push(Buffer.from('c,')), ['abc']);
  });

  it('rejects a corrupt stream with a clear error', () => {
    assert.throws(() => new NetstringDecoder().push(Buffer.from('x5:hello,')), /unexpected byte/);
    assert.throws(() => new NetstringDecoder().push(Buffer.from('5:hello;')), /not terminated by a comma/);
    assert.throws(() => new NetstringDecoder().push(Buffer.from(':hello,')), /without a length/);
    assert.throws(() => new NetstringDecoder().push(Buffer.from('123456789012')), /too long/);
    assert.throws(() => new NetstringDecoder().push(Buffer.from('99999999:')), /too long/);
  });
});
