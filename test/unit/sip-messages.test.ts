import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCallstat, parseCtrlMessage, parseStatus, stripAnsi } from '../../sip/baresip/messages.ts';

describe('ctrl_tcp messages', () => {
  it('parses a response, stripping ANSI colour codes', () => {
    const m = parseCtrlMessage('{"response":true,"ok":true,"data":"\\u001b[32mOK \\u001b[;m done","token":"7"}');
    assert.deepEqual(m, { kind: 'response', response: { ok: true, data: 'OK  done', token: '7' } });
    const f = parseCtrlMessage('{"response":true,"ok":false,"data":"No such file or directory","token":"8"}');
    assert.equal(f.kind === 'response' && f.response.ok, false);
  });

  it('parses an event with its call fields', () => {
    const m = parseCtrlMessage(
      '{"event":true,"class":"call","type":"CALL_CLOSED","accountaor":"sip:1001@pbx","direction":"outgoing","peeruri":"sip:1002@pbx","id":"abc","param":"486 Busy Here"}',
    );
    assert.deepEqual(m, {
      kind: 'event',
      event: {
        type: 'CALL_CLOSED',
        class: 'call',
        accountaor: 'sip:1001@pbx',
        direction: 'outgoing',
        peeruri: 'sip:1002@pbx',
        peerdisplayname: undefined,
        id: 'abc',
        param: '486 Busy Here',
      },
    });
  });

  it('rejects what is neither', () => {
    assert.throws(() => parseCtrlMessage('nope'), /invalid JSON/);
    assert.throws(() => parseCtrlMessage('{"hello":1}'), /neither a response nor an event/);
  });

  it('reads status codes out of reasons', () => {
    assert.deepEqual(parseStatus('486 Busy Here'), { code: 486, reason: '486 Busy Here' });
    assert.deepEqual(parseStatus('404'), { code: 404, reason: '404' });
    assert.deepEqual(parseStatus('Connection timed out'), { reason: 'Connection timed out' });
    assert.deepEqual(parseStatus(undefined), { reason: '' });
  });

  it('reads the call id out of callstat', () => {
    const text =
      '\n===== Call debug (OUTGOING) =====\n local_uri: Front door <sip:1001@127.0.0.1:25080>\n peer_uri:   <sip:1002@127.0.0.1:25080>\n af=AF_INET id=75d5343b50bc0591\n direction: Outgoing\nSDP session\n';
    assert.deepEqual(parseCallstat(text), { id: '75d5343b50bc0591', outgoing: true, peer: 'sip:1002@127.0.0.1:25080' });
    assert.deepEqual(parseCallstat('\n(no active calls)\n'), { id: undefined, outgoing: undefined, peer: undefined });
    assert.equal(stripAnsi('\x1b[31mERR\x1b[;m'), 'ERR');
  });
});
