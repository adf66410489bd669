import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultConfig, mergePatch } from '../../agent/config/index.ts';
import { planPress } from '../../agent/features/index.ts';
import { dialPlan, isAddressTarget } from '../../agent/features/support/dial-plan.ts';
import { decodeG711 } from '../../agent/features/support/g711.ts';
import { expand } from '../../agent/features/support/placeholders.ts';
import { parseRtp } from '../../agent/features/support/rtp.ts';

const MONDAY_NOON = Date.UTC(2026, 0, 5, 12, 0);
const MONDAY_NIGHT = Date.UTC(2026, 0, 5, 23, 0);

describe('what a press calls', () => {
  const config = mergePatch(defaultConfig(), {
    intercom: {
      pushButton: { numbers: ['101', '102'], callType: 'sequence' },
      callSchedule: { 0: { enabled: true, name: 'day', numbers: ['201', '202'], schedules: ['office'] } },
    },
    schedules: { 0: { name: 'office', days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '08:00', end: '18:00' } },
    inputs: { 0: { callTemplates: ['day'] } },
  });

  it('calls the template numbers while its schedule is active, together', () => {
    assert.deepEqual(planPress(config, 0, MONDAY_NOON), {
      numbers: ['201', '202'],
      mode: 'group',
      source: 'call schedule template day',
    });
  });

  it('calls the push button numbers with the call type outside the schedule, or without templates', () => {
    assert.deepEqual(planPress(config, 0, MONDAY_NIGHT).numbers, ['101', '102']);
    assert.equal(planPress(config, 0, MONDAY_NIGHT).mode, 'sequence');
    const noTemplate = mergePatch(config, { inputs: { 0: { callTemplates: [] } } });
    assert.deepEqual(planPress(noTemplate, 0, MONDAY_NOON).numbers, ['101', '102']);
  });

  it('a disabled template is not used', () => {
    const off = mergePatch(config, { intercom: { callSchedule: { 0: { enabled: false } } } });
    assert.deepEqual(planPress(off, 0, MONDAY_NOON).numbers, ['101', '102']);
  });

  it('the local group call number replaces the list', () => {
    const g = mergePatch(config, { intercom: { pushButton: { groupCallNumber: '600' } } });
    assert.deepEqual(planPress(g, 0, MONDAY_NIGHT), { numbers: ['600'], mode: 'group', source: 'group call number' });
  });
});

describe('dial plan', () => {
  const config = mergePatch(defaultConfig(), {
    accounts: [
      { enabled: true, user: '1001', server: 'pbx' },
      { enabled: true, user: '2001', server: 'pbx2' },
    ],
  });
  it('calls addresses directly', () => {
    assert.ok(isAddressTarget('192.168.1.20'));
    assert.ok(isAddressTarget('sip:monitor@192.168.1.20:5062'));
    assert.ok(!isAddressTarget('101'));
    assert.ok(!isAddressTarget('sip:101@pbx.example.com'));
    assert.deepEqual(dialPlan('10.0.0.5', 'auto', config, []), { ok: true, target: '10.0.0.5' });
    const noDirect = mergePatch(config, { directIp: { enabled: false } });
    assert.equal(dialPlan('10.0.0.5', 'auto', noDirect, []).ok, false);
  });
  it('prefers a registered account, else the first enabled one', () => {
    assert.deepEqual(dialPlan('101', 'auto', config, [{ account: '2', state: 'registered' }]), {
      ok: true,
      target: '101',
      account: '2',
    });
    assert.deepEqual(dialPlan('101', 'auto', config, []), { ok: true, target: '101', account: '1' });
    assert.deepEqual(dialPlan('101', '2', config, []), { ok: true, target: '101', account: '2' });
    assert.deepEqual(dialPlan('101', 'auto', defaultConfig(), []), {
      ok: false,
      error: 'no SIP account is enabled to call 101',
    });
  });
});

describe('RTP and G.711', () => {
  const packet = (pt: number, payload: number[], extra: { csrc?: number; ext?: boolean; pad?: number } = {}) => {
    const head = Buffer.alloc(12);
    head[0] = 0x80 | (extra.ext ? 0x10 : 0) | (extra.pad ? 0x20 : 0) | (extra.csrc ?? 0);
    head[1] = pt;
    head.writeUInt16BE(7, 2);
    head.writeUInt32BE(160, 4);
    head.writeUInt32BE(0xabcdef, 8);
    const csrc = Buffer.alloc(4 * (extra.csrc ?? 0));
    const ext = extra.ext ? Buffer.from([0xbe, 0xde, 0, 1, 1, 2, 3, 4]) : Buffer.alloc(0);
    const pad = extra.pad ? Buffer.from([...Array(extra.pad - 1).fill(0), extra.pad]) : Buffer.alloc(0);
    return Buffer.concat([head, csrc, ext, Buffer.from(payload), pad]);
  };
  it('parses the header, CSRCs, extension and padding', () => {
    const p = parseRtp(packet(0, [1, 2, 3], { csrc: 2, ext: true, pad: 3 }))!;
    assert.equal(p.payloadType, 0);
    assert.equal(p.sequence, 7);
    assert.equal(p.timestamp, 160);
    assert.equal(p.ssrc, 0xabcdef);
    assert.deepEqual([...p.payload], [1, 2, 3]);
    assert.equal(parseRtp(Buffer.from([0x40, 0, 0])), undefined, 'not RTP v2');
  });
  it('decodes µ-law and A-law silence and peaks', () => {
    assert.deepEqual([...decodeG711(0, Uint8Array.from([0xff, 0x7f, 0x00, 0x80]))!], [0, 0, -32124, 32124]);
    assert.deepEqual([...decodeG711(8, Uint8Array.from([0xd5, 0x55, 0xaa, 0x2a]))!], [8, -8, 32256, -32256]);
    assert.equal(decodeG711(9, Uint8Array.from([1])), undefined, 'G.722 is not decoded');
  });
});

describe('placeholders', () => {
  it('replaces known placeholders, encodes them in URLs, and leaves unknown ones', () => {
    const v = { mac: '0C1105000001', relay1status: '1', name: 'Front door' };
    assert.equal(
      expand('http://10.0.0.1/ring?mac=$mac&r=$relay1status&n=$name&x=$nope', v, { url: true }),
      'http://10.0.0.1/ring?mac=0C1105000001&r=1&n=Front%20door&x=$nope',
    );
    assert.equal(expand('Door $name: button', v), 'Door Front door: button');
  });
});
