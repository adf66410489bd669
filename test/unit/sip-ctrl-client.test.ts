/** The ctrl_tcp client against a local server that speaks like baresip (frames split and merged on purpose). */
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { type Logger, RealClock, silentLogger } from '../../core/index.ts';
import { CtrlClient } from '../../sip/baresip/ctrl-client.ts';
import type { BaresipEvent } from '../../sip/baresip/messages.ts';
import { encodeNetstring, NetstringDecoder } from '../../sip/baresip/netstring.ts';

type Fake = { server: Server; port: number; conn: Promise<Socket>; commands: Record<string, string>[] };

async function fakeBaresip(reply: (cmd: Record<string, string>, s: Socket) => void): Promise<Fake> {
  const commands: Record<string, string>[] = [];
  let resolveConn!: (s: Socket) => void;
  const conn = new Promise<Socket>((r) => {
    resolveConn = r;
  });
  const server = createServer((s) => {
    resolveConn(s);
    const d = new NetstringDecoder();
    s.on('data', (chunk) => {
      for (const p of d.push(chunk)) {
        const cmd = JSON.parse(p);
        commands.push(cmd);
        reply(cmd, s);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  return { server, port: typeof addr === 'object' && addr ? addr.port : 0, conn, commands };
}

const frame = (o: object) => encodeNetstring(JSON.stringify(o));

describe('ctrl_tcp client', () => {
  const servers: Server[] = [];
  after(() => {
    for (const s of servers) s.close();
  });

  it('matches responses to commands by token, passes events on, strips ANSI codes', async () => {
    let chain = Promise.resolve();
    const fake = await fakeBaresip((cmd, s) => {
      // An event and the start of the response in one chunk, the rest of the response later.
      const ev = frame({ event: true, class: 'call', type: 'CALL_RINGING', id: 'x1', param: 'p' });
      const resp = frame({
        response: true,
        ok: cmd.command !== 'bad',
        data: `\x1b[32m${cmd.command}\x1b[;m`,
        token: cmd.token,
      });
      chain = chain.then(async () => {
        s.write(Buffer.concat([ev, resp.subarray(0, 5)]));
        await new Promise((r) => setTimeout(r, 5));
        s.write(resp.subarray(5));
      });
    });
    servers.push(fake.server);
    const c = new CtrlClient({ clock: new RealClock(), log: silentLogger() });
    const events: BaresipEvent[] = [];
    c.events.on('event', (e) => events.push(e));
    await c.connect(fake.port);
    const [a, b] = c.send([
      { command: 'uafind', params: 'sip:1@x' },
      { command: 'dial', params: 'sip:2@x' },
    ]);
    assert.deepEqual((await a!).data, 'uafind');
    assert.deepEqual((await b!).data, 'dial');
    await assert.rejects(c.command('bad'), /baresip bad: bad/);
    assert.equal(events.length, 3);
    assert.equal(events[0]!.type, 'CALL_RINGING');
    assert.deepEqual(fake.commands.slice(0, 2), [
      { command: 'uafind', params: 'sip:1@x', token: '1' },
      { command: 'dial', params: 'sip:2@x', token: '2' },
    ]);
    c.close();
  });

  it('a command without response fails and gives the connection up (the engine restarts baresip)', async () => {
    const fake = await fakeBaresip(() => undefined);
    servers.push(fake.server);
    const c = new CtrlClient({ clock: new RealClock(), log: silentLogger(), commandTimeoutMs: 50 });
    const closed = new Promise<string>((r) => c.events.on('close', ({ reason }) => r(reason)));
    await c.connect(fake.port);
    await assert.rejects(c.command('apistate'), /no response within 50 ms/);
    assert.match(await closed, /no response to apistate/);
    assert.equal(c.connected, false);
    await assert.rejects(c.command('dial'), /not connected/);
  });

  it('a corrupt stream or a closed connection rejects what is pending', async () => {
    const fake = await fakeBaresip((_cmd, s) => s.write('garbage,'));
    servers.push(fake.server);
    const c = new CtrlClient({ clock: new RealClock(), log: silentLogger() });
    const closed = new Promise<string>((r) => c.events.on('close', ({ reason }) => r(reason)));
    await c.connect(fake.port);
    await assert.rejects(c.command('reginfo'), /corrupt ctrl_tcp stream/);
    assert.match(await closed, /corrupt/);

    const fake2 = await fakeBaresip((_cmd, s) => s.destroy());
    servers.push(fake2.server);
    const c2 = new CtrlClient({ clock: new RealClock(), log: silentLogger() });
    await c2.connect(fake2.port);
    await assert.rejects(c2.command('reginfo'), /connection closed/);
  });

  it('sets TCP_QUICKACK on connect and after every read, before the chunk is handled', async () => {
    const fake = await fakeBaresip((cmd, s) => {
      // Three events, each in its own write a little apart, then the response.
      void (async () => {
        for (const type of ['CALL_INCOMING', 'CALL_RINGING', 'CALL_ESTABLISHED']) {
          s.write(frame({ event: true, class: 'call', type, id: 'c1' }));
          await new Promise((r) => setTimeout(r, 5));
        }
        s.write(frame({ response: true, ok: true, data: '', token: cmd.token }));
      })();
    });
    servers.push(fake.server);
    const order: string[] = [];
    const fds = new Set<number>();
    const quickAck = {
      set: (fd: number) => {
        fds.add(fd);
        order.push('ack');
      },
    };
    const c = new CtrlClient({ clock: new RealClock(), log: silentLogger(), quickAck });
    c.events.on('event', () => order.push('event'));
    await c.connect(fake.port);
    await c.command('listcalls');
    assert.equal(order.filter((o) => o === 'event').length, 3);
    assert.equal(order.filter((o) => o === 'ack').length, c.reads + 1, 'once on connect, then once per read');
    assert.match(order.join(' '), /^ack( ack( event)*)+$/, 'each read is acknowledged before its events are handled');
    assert.deepEqual([...fds], [c.fd]);
    c.close();
  });

  it('goes on without TCP_QUICKACK if it cannot be set (logged once)', async () => {
    const fake = await fakeBaresip((cmd, s) =>
      s.write(frame({ response: true, ok: true, data: '', token: cmd.token })),
    );
    servers.push(fake.server);
    const warnings: string[] = [];
    const log = { ...silentLogger(), warn: (_o: unknown, m: string) => warnings.push(m) } as unknown as Logger;
    let calls = 0;
    const quickAck = {
      set: () => {
        calls++;
        throw new Error('EPERM');
      },
    };
    const c = new CtrlClient({ clock: new RealClock(), log, quickAck });
    await c.connect(fake.port);
    await c.command('listcalls');
    await c.command('listcalls');
    assert.equal(calls, 1);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /TCP_QUICKACK could not be set/);
    c.close();
  });
});
