/**
 * The ports tests listen on are never ones the kernel hands out on its own (bind(0), outgoing
 * connections): a port picked and taken a moment later cannot be given to someone else in between.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { freeRtpRange, freeSipPort, freeTcpPort } from '../harness/ports.ts';

const ephemeral = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);

describe('test ports', () => {
  it('are below the ephemeral range, for TCP, SIP and RTP, and never handed out twice', async () => {
    const all: number[] = [];
    for (let i = 0; i < 50; i++) {
      const tcp = await freeTcpPort();
      const sip = await freeSipPort(2);
      const [rtpMin, rtpMax] = await freeRtpRange(20);
      assert.ok(tcp >= 1024 && tcp < ephemeral, `TCP port ${tcp}`);
      assert.ok(sip >= 1024 && sip + 1 < ephemeral, `SIP port ${sip}`);
      assert.ok(rtpMin % 2 === 0 && rtpMax === rtpMin + 19 && rtpMax < ephemeral, `RTP ${rtpMin}-${rtpMax}`);
      all.push(tcp, sip, sip + 1, ...Array.from({ length: 20 }, (_, k) => rtpMin + k));
    }
    assert.equal(new Set(all).size, all.length, 'a port handed out twice');
  });
});
