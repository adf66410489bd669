/**
 * The door scanned and fed garbage (issue 10, "Show"), the whole agent (sim HAL, real baresip) on
 * 127.0.0.1: a sipvicious scan (`svmap`, then `svwar -m INVITE` with a word list), then a burst of
 * malformed SIP over UDP and TCP (random bytes, truncated headers, huge Content-Length, NUL and
 * non-UTF-8 bytes in headers, missing Call-ID/From/To/Via), then a legitimate sipp call answered
 * through the API. Throughout, the agent, its API and baresip (same PID, or restarted and running)
 * stay up, and baresip holds no call the engine does not know.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BaresipEngine } from '../../sip/index.ts';
import { startAgent, type TestAgent, until } from '../harness/agent.ts';
import { freeSipPort } from '../harness/ports.ts';
import { startProcess, stopAll } from '../harness/processes.ts';
import { invite, RawSip } from '../harness/sip-raw.ts';
import { runSipp, uacScenario } from '../harness/sipp.ts';
import { Client } from './web-support.ts';

const engineOf = (a: TestAgent) => (a.agent.ctx.services.sip as unknown as { engine: BaresipEngine }).engine;

/** A small deterministic PRNG (mulberry32), so that a failing burst can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The malformed messages of the burst, each a name and its bytes (bounded: about 170 datagrams). */
function malformed(port: number, from: number): [string, Buffer][] {
  const rnd = prng(10);
  const out: [string, Buffer][] = [];
  for (let i = 0; i < 100; i++) {
    const len = 1 + Math.floor(rnd() * 1400);
    out.push([`random ${len} bytes`, Buffer.from(Array.from({ length: len }, () => Math.floor(rnd() * 256)))]);
  }
  const good = invite({ port, from, callId: 'cut@raw', tag: 'cut' });
  for (let n = 10; n < good.length; n += 41) out.push([`INVITE cut at ${n} bytes`, good.subarray(0, n)]);
  const base = (callId: string) => invite({ port, from, callId, tag: callId.replace(/\W/g, '') }).toString('latin1');
  const edit = (name: string, text: string) => out.push([name, Buffer.from(text, 'latin1')]);
  for (const cl of ['4294967295', '99999999999999999999', '-1', '1e9'])
    edit(`Content-Length ${cl}`, base(`cl${cl}@raw`).replace(/Content-Length: \d+/, `Content-Length: ${cl}`));
  for (const h of ['Call-ID', 'From', 'To', 'Via', 'CSeq'])
    edit(`no ${h}`, base(`no${h}@raw`).replace(new RegExp(`\r\n${h}:[^\r]*`), ''));
  edit('NUL in From', base('nulfrom@raw').replace('From: <sip:raw', 'From: "\x00\x00door" <sip:r\x00aw'));
  edit('NUL in To', base('nulto@raw').replace('To: <sip:portier', 'To: <sip:port\x00ier'));
  edit('NUL in Via', base('nulvia@raw').replace('Via: SIP/2.0/UDP', 'Via: SIP/2.0/UDP\x00'));
  edit('NUL in the request line', base('nulrl@raw').replace('INVITE sip:', 'INVITE\x00sip:'));
  edit(
    'non-UTF-8 display name',
    base('latin@raw').replace('From: <sip:raw', 'From: "\xff\xfe\xc3\x28 T\xfcr" <sip:raw'),
  );
  edit('non-UTF-8 Call-ID', base('\xc3\x28\xff@raw'));
  edit('NUL inside the Call-ID', base('ab\x00cd@raw'));
  out.push(['the same Call-ID, another tag', invite({ port, from, callId: 'latin@raw', tag: 'again' })]);
  edit('a header of 60,000 bytes', base('long@raw').replace('Max-Forwards: 70', `X-Long: ${'a'.repeat(60_000)}`));
  edit('broken SDP', base('sdp@raw').replace('m=audio 9 RTP/AVP 0', 'm=audio 99999999 RTP/AVP \xff'));
  edit('BYE of no dialog', base('bye@raw').replace(/INVITE/g, 'BYE'));
  edit('ACK of no dialog', base('ack@raw').replace(/INVITE/g, 'ACK'));
  edit('CANCEL of no transaction', base('cancel@raw').replace(/INVITE/g, 'CANCEL'));
  edit('unknown method', base('frob@raw').replace(/INVITE/g, 'FROB'));
  edit('a response from nowhere', 'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:1;branch=z9hG4bKx\r\n\r\n');
  edit('only CRLFs', '\r\n\r\n\r\n\r\n');
  return out;
}

describe('the door scanned and fed malformed SIP', () => {
  let door: TestAgent;
  let api: Client;
  let port: number;
  let pid: number | undefined;
  let dir: string;

  before(async () => {
    // No allowed callers: nothing is auto-answered; the legitimate call is answered through the API.
    door = await startAgent({});
    await until(() => engineOf(door).running, 'the SIP engine running');
    port = door.agent.ctx.config.get().directIp.port;
    pid = engineOf(door).pid;
    api = new Client(door.base);
    assert.equal((await api.setup(door)).status, 200);
    dir = await mkdtemp(join(tmpdir(), 'portier-scan-'));
  });
  after(async () => {
    await door?.stop();
    await stopAll();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** The agent, its API and the SIP engine are up; baresip holds no call the engine does not know. */
  async function assertUp(what: string) {
    const status = await api.get('/api/v1/system/status');
    assert.equal(status.status, 200, `the API answers after ${what}`);
    await until(() => engineOf(door).running, `the SIP engine running after ${what}`);
    const first = await engineOf(door).reconcileCalls('test');
    assert.equal(first.stuck, false);
    const second = await engineOf(door).reconcileCalls('test');
    assert.deepEqual(second.ended, [], 'once repaired, baresip holds no call the engine does not know');
  }

  it('svmap finds the door; svwar -m INVITE runs its word list; everything stays up', async (t) => {
    const map = startProcess('svmap', 'svmap', ['-p', String(port), '-P', String(await freeSipPort(1)), '127.0.0.1']);
    const killMap = setTimeout(() => void map.stop(1000), 30_000);
    assert.equal((await map.exited).code, 0);
    clearTimeout(killMap);
    assert.match(map.output(), new RegExp(`127\\.0\\.0\\.1:${port}\\s*\\|\\s*baresip`), map.output());

    const words = join(dir, 'words.txt');
    await writeFile(words, ['admin', 'portier', 'door', '100', '1001', 'operator'].join('\n'));
    const war = startProcess('svwar', 'svwar', [
      '-d',
      words,
      '-m',
      'INVITE',
      '-p',
      String(port),
      '-P',
      String(await freeSipPort(1)),
      '127.0.0.1',
    ]);
    const killWar = setTimeout(() => void war.stop(1000), 60_000);
    assert.equal((await war.exited).code, 0);
    clearTimeout(killWar);
    // With no allowed callers the door's INVITE only rings (180): svwar reports what it concluded.
    t.diagnostic(`svwar: ${war.output().trim().split('\n').pop()}`);
    await assertUp('the scan');
  });

  it('a burst of malformed SIP over UDP and TCP, then a legitimate call is answered', async () => {
    const raw = await RawSip.open();
    try {
      const burst = malformed(port, raw.port);
      for (const [, data] of burst) await raw.send(data, port);
      // TCP: garbage, then a header announcing a body that never comes, then the connection is closed.
      await new Promise<void>((resolve) => {
        const s = connect({ port, host: '127.0.0.1' }, () => {
          s.write(Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 256)));
          s.write(
            invite({ port, from: 1, callId: 'tcp@raw' })
              .toString('latin1')
              .replace(/Content-Length: \d+/, 'Content-Length: 4294967295'),
          );
          setTimeout(() => s.destroy(), 300);
        });
        s.on('error', () => undefined);
        s.on('close', () => resolve());
      });
      await assertUp('the malformed burst');
      assert.equal(engineOf(door).pid ?? pid, engineOf(door).pid, 'baresip running');
      // baresip warns about each malformed message: the log gets a bounded number of them (20 in 10 s).
      const warned = door.logs.filter((l) => l.level === 40 && l.msg.startsWith('baresip:')).length;
      assert.ok(warned > 0, 'the burst made baresip warn');
      assert.ok(warned <= 40, `${warned} baresip warnings logged for a burst of ${burst.length} messages`);
    } finally {
      raw.close();
    }
    const sip = door.agent.ctx.services.sip!;
    const caller = runSipp({
      name: 'legit',
      target: `127.0.0.1:${port}`,
      service: 'portier',
      scenario: uacScenario({ holdMs: 300 }),
      calls: 1,
      timeoutMs: 20_000,
    });
    const call = await until(
      () => sip.calls().find((c) => c.state === 'incoming' && /sipp@/.test(c.peer)),
      'sipp ringing',
      400,
    );
    const res = await api.post(`/api/v1/calls/${call.id}/answer`);
    assert.equal(res.status, 200, res.text);
    const r = await caller;
    assert.deepEqual(r.finals, { 200: 1 }, JSON.stringify(r.responses));
    assert.equal(r.successful, 1);
    await assertUp('the legitimate call');
    assert.equal(engineOf(door).pid, pid, 'the same baresip throughout');
  });
});
