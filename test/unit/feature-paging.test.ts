import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { AgentEvents } from '../../agent/bus.ts';
import { type MulticastPaging, PAGE_TIMEOUT_MS } from '../../agent/features/index.ts';
import { rig } from './support/feature-rig.ts';

let r: ReturnType<typeof rig>;
afterEach(() => r?.stop());

/** µ-law silence-ish payload of 160 samples in an RTP packet. */
function rtp(seq: number, pt = 0): Buffer {
  const b = Buffer.alloc(12 + 160, 0x7f);
  b[0] = 0x80;
  b[1] = pt;
  b.writeUInt16BE(seq, 2);
  return b;
}

async function setup(multicast: object) {
  r = rig({
    intercom: {
      multicast: {
        listen: {
          0: { address: '239.1.1.1', port: 10000, label: 'Emergency' },
          1: { address: '239.1.1.2', port: 10002, label: 'Office' },
          2: { address: '239.1.1.3', port: 10004, label: 'Music' },
        },
        ...multicast,
      },
    },
  });
  const senders = new Map<string, (msg: Buffer) => void>();
  const played: { label: string; samples: number }[] = [];
  const events: string[] = [];
  const note = (kind: string) => (e: AgentEvents['paging.started'] | AgentEvents['paging.ended']) =>
    events.push(`${kind} ${e.label}${'reason' in e ? ` (${e.reason})` : ''}`);
  r.bus.on('paging.started', note('started'));
  r.bus.on('paging.ended', note('ended'));
  const [paging] = (await r.features(['multicast-paging'], {
    sinks: (label) => {
      const p = { label, samples: 0 };
      played.push(p);
      return { write: (pcm) => (p.samples += pcm.length), close() {} };
    },
    listen: async (address, _port, onPacket) => {
      senders.set(address, onPacket);
      return () => senders.delete(address);
    },
  })) as [MulticastPaging];
  let seq = 0;
  const send = (address: string, n = 1, pt = 0) => {
    for (let i = 0; i < n; i++) senders.get(address)!(rtp(seq++, pt));
  };
  return { paging, senders, played, events, send };
}

describe('multicast paging', () => {
  it('listens on the configured addresses and plays G.711 that arrives, until packets stop', async () => {
    const { senders, played, events, send, paging } = await setup({});
    assert.deepEqual([...senders.keys()].sort(), ['239.1.1.1', '239.1.1.2', '239.1.1.3']);
    send('239.1.1.2', 50);
    assert.deepEqual(played, [{ label: 'Office', samples: 8000 }]);
    assert.deepEqual(paging.stats().playing, { address: '239.1.1.2', port: 10002, label: 'Office' });
    await r.clock.advance(PAGE_TIMEOUT_MS - 1);
    assert.deepEqual(events, ['started Office']);
    await r.clock.advance(1);
    assert.deepEqual(events, ['started Office', 'ended Office (no packets)']);
  });

  it('ignores what is not G.711 RTP', async () => {
    const { played, send } = await setup({});
    send('239.1.1.1', 5, 9);
    assert.deepEqual(played, []);
  });

  it('with priority active, a higher entry interrupts a lower one', async () => {
    const { events, send, played } = await setup({ pagingPriorityActive: true });
    send('239.1.1.3', 5);
    send('239.1.1.1', 5);
    send('239.1.1.3', 5);
    assert.deepEqual(events, [
      'started Music',
      'ended Music (interrupted by the page on Emergency)',
      'started Emergency',
    ]);
    assert.deepEqual(
      played.map((p) => [p.label, p.samples]),
      [
        ['Music', 800],
        ['Emergency', 800],
      ],
    );
  });

  it('without priority, the first page plays to its end and the others wait', async () => {
    const { events, send } = await setup({ pagingPriorityActive: false });
    send('239.1.1.3', 5);
    send('239.1.1.1', 5);
    assert.deepEqual(events, ['started Music']);
    await r.clock.advance(1000);
    send('239.1.1.1', 1);
    await r.clock.advance(PAGE_TIMEOUT_MS - 1000);
    assert.deepEqual(events, ['started Music', 'ended Music (no packets)']);
    send('239.1.1.1', 1);
    assert.deepEqual(events.at(-1), 'started Emergency', 'the waiting page plays once the first ended');
  });

  it('paging barge: pages of the first N entries play during a SIP call, which is put on hold', async () => {
    const { events, send } = await setup({ pagingBarge: 1 });
    const call = r.sip.incoming('sip:1@pbx');
    r.sip.remoteAnswer(call.id);
    send('239.1.1.2', 5);
    assert.deepEqual(events, [], 'entry 2 does not barge: the SIP call has priority');
    send('239.1.1.1', 5);
    assert.deepEqual(events, ['started Emergency']);
    await r.settle();
    assert.deepEqual(r.sip.opsOf('hold'), [call.id]);
    await r.clock.advance(PAGE_TIMEOUT_MS);
    assert.deepEqual(r.sip.opsOf('resume'), [call.id], 'the call resumes when the page ends');
  });

  it('without barge, a SIP call that gets connected stops the page', async () => {
    const { events, send } = await setup({ pagingBarge: 0 });
    send('239.1.1.1', 5);
    const call = r.sip.incoming('sip:1@pbx');
    r.sip.remoteAnswer(call.id);
    assert.deepEqual(events, ['started Emergency', 'ended Emergency (a SIP call was connected)']);
  });

  it('follows a change of the listening list', async () => {
    const { senders } = await setup({});
    r.setConfig({ intercom: { multicast: { listen: { 1: { address: '' }, 2: { address: '239.9.9.9' } } } } });
    await r.settle();
    assert.deepEqual([...senders.keys()].sort(), ['239.1.1.1', '239.9.9.9']);
  });
});
