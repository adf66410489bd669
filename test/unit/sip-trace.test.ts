/** Where incoming INVITEs came from, read from baresip's SIP trace (`baresip -s`), and what cannot fool it. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SipTrace } from '../../sip/baresip/sip-trace.ts';

const OPEN = '\x1b[36;1m#\n';
const CLOSE = '\x1b[;m\n';

/** A SIP message as a caller sends it (CRLF lines, Content-Length of the body). */
function sip(first: string, headers: string[], body = ''): string {
  const len = Buffer.byteLength(body);
  return `${[first, ...headers, `Content-Length: ${len}`].join('\r\n')}\r\n\r\n${body}`;
}

/** What baresip 1.0.0 prints for one message (measured: ua.c's trace handler). */
const block = (tp: string, src: string, dst: string, message: string) =>
  `${OPEN}${tp} ${src} -> ${dst}\n${message}${CLOSE}`;

const SDP = 'v=0\r\no=- 1 2 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\nm=audio 47600 RTP/AVP 0 101\r\n';
const invite = (callId: string, from = '<sip:101@10.9.9.9>;tag=d2a1', extra: string[] = [], body = SDP) =>
  sip(
    'INVITE sip:portier@127.0.0.1:5060 SIP/2.0',
    ['Via: SIP/2.0/UDP 127.0.0.2:47070;branch=z9hG4bKcd2d;rport', `From: ${from}`, `Call-ID: ${callId}`, ...extra],
    body,
  );
const ringing = (callId: string) => sip('SIP/2.0 180 Ringing', [`Call-ID: ${callId}`]);

function feed(trace: SipTrace, text: string, chunks: number[] = []): string {
  const buf = Buffer.from(text);
  let out = '';
  let at = 0;
  for (const n of [...chunks, buf.length]) {
    const end = Math.min(buf.length, at + n);
    out += trace.push(buf.subarray(at, end));
    at = end;
    if (at >= buf.length) break;
  }
  return out + trace.flush();
}

describe('SIP trace', () => {
  it("takes the INVITE's source out of the output and passes the rest on", () => {
    const t = new SipTrace();
    const out = feed(
      t,
      `baresip is ready.\n${block('UDP', '127.0.0.2:47070', '127.0.0.1:5060', invite('7b2d136e'))}` +
        `ua: using AF from sdp offer: af=AF_INET\n${block('UDP', '127.0.0.1:5060', '127.0.0.2:47070', ringing('7b2d136e'))}` +
        'sip:portier@127.0.0.1:5060: Incoming call from:  sip:101@10.9.9.9 — ü\n',
    );
    assert.equal(t.sourceOf('7b2d136e'), '127.0.0.2:47070');
    assert.equal(t.sourceOf('other'), '', 'never seen: unknown');
    assert.equal(
      out,
      'baresip is ready.\nua: using AF from sdp offer: af=AF_INET\nsip:portier@127.0.0.1:5060: Incoming call from:  sip:101@10.9.9.9 — ü\n',
    );
    assert.equal(t.trusted, true);
  });

  it('gives the same result however the output is cut into chunks', () => {
    const text =
      `a\n${block('TCP', '[fd00::7]:5060', '[fd00::1]:5060', invite('c1', '"Ä" <sip:a@b>', ['i-ignored: x']))}` +
      `ü\n${block('UDP', '10.0.0.9:5062', '10.0.0.1:5060', 'INVITE sip:x@y SIP/2.0\r\ni: c2\r\nl: 0\r\n\r\n')}end\n`;
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 60 }), (chunks) => {
        const t = new SipTrace();
        assert.equal(feed(t, text, chunks), 'a\nü\nend\n');
        assert.equal(t.sourceOf('c1'), '[fd00::7]:5060');
        assert.equal(t.sourceOf('c2'), '10.0.0.9:5062', 'compact Call-ID and Content-Length (i:, l:)');
      }),
    );
  });

  it('a Call-ID seen from two addresses is unknown', () => {
    const t = new SipTrace();
    feed(
      t,
      block('UDP', '10.0.0.5:5060', '10.0.0.1:5060', invite('dup')) +
        block('UDP', '10.0.0.5:5060', '10.0.0.1:5060', invite('dup')) +
        block('UDP', '10.0.0.6:5060', '10.0.0.1:5060', invite('twice')) +
        block('UDP', '10.0.0.66:5060', '10.0.0.1:5060', invite('twice')),
    );
    assert.equal(t.sourceOf('dup'), '10.0.0.5:5060', 'a retransmission from the same address');
    assert.equal(t.sourceOf('twice'), '');
  });

  it('a UDP datagram shorter or longer than its Content-Length is read up to its closing mark', () => {
    const lost: string[] = [];
    const t = new SipTrace((why) => lost.push(why));
    const whole = invite('short');
    const out = feed(
      t,
      block('UDP', '10.0.0.5:5060', '10.0.0.1:5060', whole.slice(0, whole.length - 20)) +
        'ordinary\n' +
        block('UDP', '10.0.0.6:5060', '10.0.0.1:5060', `${invite('long')}trailing bytes`) +
        block('UDP', '10.0.0.7:5060', '10.0.0.1:5060', 'INVITE sip:a@b SIP/2.0\r\nCall-ID: nolength\r\n\r\n'),
    );
    assert.deepEqual(lost, []);
    assert.equal(out, 'ordinary\n');
    assert.equal(t.sourceOf('short'), '10.0.0.5:5060');
    assert.equal(t.sourceOf('long'), '10.0.0.6:5060');
    assert.equal(t.sourceOf('nolength'), '10.0.0.7:5060');
  });

  it('every Call-ID header of an INVITE is recorded (libre takes the last)', () => {
    const t = new SipTrace();
    feed(t, block('UDP', '10.0.0.66:5060', '10.0.0.1:5060', invite('first', undefined, ['Call-ID: last'])));
    assert.equal(t.sourceOf('first'), '10.0.0.66:5060');
    assert.equal(t.sourceOf('last'), '10.0.0.66:5060');
  });

  it('a closing mark in a body ends the block early; a fake block after it cannot give the call a false address', () => {
    const lost: string[] = [];
    const t = new SipTrace((why) => lost.push(why));
    const fake = block('UDP', '192.168.1.20:5060', '10.0.0.1:5060', invite('z'));
    // the attacker's INVITE z, whose body closes the block and then writes a fake block for z
    feed(t, block('UDP', '10.0.0.66:5060', '10.0.0.1:5060', invite('z', undefined, [], `v=0\r\n${CLOSE}${fake}`)));
    assert.deepEqual(lost, []);
    assert.equal(t.sourceOf('z'), '', 'seen from two addresses: unknown, not 192.168.1.20');
  });

  it('a fake block in ordinary output (a MESSAGE body menu prints) that would hide the next real block puts it out of step', () => {
    const lost: string[] = [];
    const t = new SipTrace((why) => lost.push(why));
    // no closing mark of its own: the first one after it is the real INVITE's
    const fake = `${OPEN}UDP 192.168.1.20:5060 -> 10.0.0.1:5060\nINVITE sip:p@d SIP/2.0\r\nCall-ID: z\r\n\r\n`;
    feed(t, `sip:x: "${fake}"\n${block('UDP', '10.0.0.66:5060', '10.0.0.1:5060', invite('z'))}`);
    assert.deepEqual(lost, ['a trace mark inside a SIP message']);
    assert.equal(t.trusted, false);
    assert.equal(t.sourceOf('z'), '');
  });

  it('a trace mark inside a message, or an escape code in its headers, puts it out of step for good', () => {
    for (const [message, why] of [
      [
        sip('MESSAGE sip:portier@x SIP/2.0', ['Call-ID: m'], block('UDP', '192.168.1.20:5060', 'x', invite('y'))),
        'a trace mark inside a SIP message',
      ],
      [invite('e', '"\x1b[;m" <sip:a@b>'), 'an escape code in SIP headers'],
    ] as const) {
      const lost: string[] = [];
      const t = new SipTrace((w) => lost.push(w));
      feed(
        t,
        block('UDP', '10.0.0.5:5060', '10.0.0.1:5060', invite('before')) +
          block('UDP', '10.0.0.66:5060', '10.0.0.1:5060', message) +
          block('UDP', '10.0.0.5:5060', '10.0.0.1:5060', invite('after')),
      );
      assert.deepEqual(lost, [why]);
      for (const id of ['before', 'y', 'e', 'after']) assert.equal(t.sourceOf(id), '', `${why}: ${id} unknown`);
    }
  });

  it('keeps a bounded number of sources, the oldest forgotten first', () => {
    const t = new SipTrace();
    let text = '';
    for (let i = 0; i < 600; i++)
      text += block('UDP', `10.0.${i >> 8}.${i & 255}:5060`, '10.0.0.1:5060', invite(`c${i}`));
    feed(t, text);
    assert.equal(t.sourceOf('c0'), '');
    assert.equal(t.sourceOf('c599'), '10.0.2.87:5060');
  });
});
