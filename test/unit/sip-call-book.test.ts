/**
 * The engine's call book against a model of baresip 1.0.0's call handling (ua.c, call.c, menu.c of
 * v1.0.0): per user agent a list of calls whose last is the "current" one; `accept` first holds the
 * call before the current one, and answers nothing if that hold fails (a ringing call cannot be
 * held), while replying ok; `listcalls` prints lines, `callstat` the id. Busy refusal, answering a
 * given call of several, reconciliation (unknown, lost, stuck calls) and the ringing room.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock, silentLogger } from '../../core/index.ts';
import { parseCallList } from '../../sip/baresip/call-list.ts';
import { CallBook, MAX_RINGING } from '../../sip/baresip/calls.ts';
import type { Command, CtrlClient } from '../../sip/baresip/ctrl-client.ts';
import type { BaresipEvent, CtrlResponse } from '../../sip/baresip/messages.ts';
import { Serial } from '../../sip/baresip/serial.ts';
import type { CallEnd, CallInfo, SipEvents } from '../../sip/engine.ts';

const AOR = 'sip:portier@127.0.0.1:5060';

type ModelCall = {
  id: string;
  line: number;
  state: 'INCOMING' | 'ESTABLISHED';
  onHold: boolean;
  answered: boolean;
  peer: string;
  /** hangup does nothing (a call baresip cannot end). */
  sticky?: boolean;
};

/** baresip 1.0.0 as far as the call book uses it: one user agent. */
class ModelBaresip {
  calls: ModelCall[] = [];
  sent: string[] = [];
  onEvent: (e: BaresipEvent) => void = () => {};
  connected = true;
  #uaSelected = false;
  #lines = 0;

  ring(id: string, peer = `sip:${id || 'ghost'}@127.0.0.1:5080`): ModelCall {
    const c: ModelCall = { id, line: ++this.#lines, state: 'INCOMING', onHold: false, answered: false, peer };
    this.calls.push(c);
    this.#event('CALL_INCOMING', c);
    return c;
  }

  /** The caller's ACK came: the answered call is established. */
  ack(id: string): void {
    const c = this.calls.find((x) => x.id === id && x.answered);
    if (!c) throw new Error(`no answered call ${id}`);
    c.state = 'ESTABLISHED';
    this.#event('CALL_ESTABLISHED', c);
  }

  /** The call disappears without an event (what reconciliation must notice). */
  lose(id: string): void {
    this.calls = this.calls.filter((c) => c.id !== id);
  }

  send(commands: Command[]): Promise<CtrlResponse>[] {
    return commands.map((c) => {
      this.sent.push(c.params === undefined ? c.command : `${c.command} ${c.params}`);
      const r = this.#run(c.command, c.params ?? '');
      return new Promise((resolve) => queueMicrotask(() => resolve(r)));
    });
  }

  #current(): ModelCall | undefined {
    return this.calls[this.calls.length - 1];
  }

  #select(c: ModelCall): void {
    this.calls = [...this.calls.filter((x) => x !== c), c];
  }

  #event(type: string, c: ModelCall, param?: string): void {
    this.onEvent({ type, class: 'call', accountaor: AOR, direction: 'incoming', peeruri: c.peer, id: c.id, param });
  }

  #run(command: string, params: string): CtrlResponse {
    const ok = (data = '') => ({ ok: true, data });
    switch (command) {
      case 'uafind':
        this.#uaSelected = params === AOR;
        return this.#uaSelected ? ok(`ua: ${AOR}\n`) : { ok: false, data: '' };
      case 'listcalls': {
        const lines = [...this.calls]
          .sort((a, b) => a.line - b.line)
          .map(
            (c) =>
              `${c === this.#current() ? '>' : ' '} [line ${c.line}]  0:00:01   ${c.state.padEnd(11)} ${c.onHold ? '(on hold)' : '         '}  ${c.peer}`,
          );
        return ok(`\n--- Active calls (${this.calls.length}) ---\n${lines.join('\n')}\n\n`);
      }
      case 'line': {
        const c = this.calls.find((x) => x.line === Number(params));
        if (!c) return ok('call not found\n');
        this.#select(c);
        return ok(`setting current call: line ${c.line}\n`);
      }
      case 'callfind': {
        const c = this.calls.find((x) => x.id === params && params !== '');
        if (!c) return ok(`call not found (id=${params})\n`);
        this.#select(c);
        return ok(`setting current call: ${params}\n`);
      }
      case 'callstat': {
        const c = this.#current();
        return ok(c ? `\n===== Call debug (${c.state}) =====\n af=AF_INET id=${c.id}\n direction: Incoming\n` : '');
      }
      case 'accept': {
        // ua_hold_answer(): hold the previous call; a failed hold leaves it marked and answers nothing.
        const call = this.#current();
        const prev = this.calls[this.calls.length - 2];
        if (prev && !prev.onHold) {
          prev.onHold = true;
          if (prev.state !== 'ESTABLISHED') return ok('Answering incoming call\n');
        }
        if (call && call.state === 'INCOMING' && !call.answered) {
          call.answered = true;
          this.#event('CALL_LOCAL_SDP', call, 'answer');
        }
        return ok('Answering incoming call\n');
      }
      case 'resume': {
        const c = this.#current();
        if (c) c.onHold = false;
        return c?.state === 'ESTABLISHED' ? ok() : { ok: false, data: '' };
      }
      case 'hangup': {
        const c = this.#current();
        if (!c || c.sticky) return ok();
        this.calls = this.calls.filter((x) => x !== c);
        this.#event('CALL_CLOSED', c, 'Connection reset by user');
        return ok();
      }
      default:
        return { ok: false, data: `unknown command ${command}` };
    }
  }
}

function rig(opts: { maxCalls?: number } = {}) {
  const clock = new FakeClock();
  const model = new ModelBaresip();
  const emitted: { event: keyof SipEvents; payload: unknown }[] = [];
  const restarts: string[] = [];
  let maxCalls = opts.maxCalls ?? 1;
  const book = new CallBook({
    clock,
    log: silentLogger(),
    serial: new Serial(),
    ctrl: () => model as unknown as CtrlClient,
    keyOf: (aor) => (aor === AOR ? '' : undefined),
    aors: () => [AOR],
    emit: (event, payload) => emitted.push({ event, payload }),
    maxCalls: () => maxCalls,
    restart: (reason) => restarts.push(reason),
    answerTimeoutMs: 5000,
  });
  model.onEvent = (e) => book.onEvent(e);
  const of = <E extends keyof SipEvents>(event: E) =>
    emitted.filter((x) => x.event === event).map((x) => x.payload as SipEvents[E]);
  const idOf = (bid: string): string => {
    const c = of('call.incoming').find((p) => p.call.peer.includes(bid));
    if (!c) throw new Error(`no call.incoming for ${bid}`);
    return c.call.id;
  };
  const flush = async () => {
    for (let i = 0; i < 5; i++) await clock.advance(0);
  };
  return {
    clock,
    model,
    book,
    of,
    idOf,
    flush,
    restarts,
    setMax: (n: number) => {
      maxCalls = n;
    },
  };
}

const closedEnd = (r: ReturnType<typeof rig>, id: string): CallEnd | undefined =>
  r.of('call.closed').find((p) => p.call.id === id)?.end;

describe('call book on baresip 1.0.0', () => {
  it('parses listcalls lines', () => {
    assert.deepEqual(
      parseCallList(
        '\n--- Active calls (2) ---\n  [line 1]  0:00:00   INCOMING  (on hold)  sip:evil@127.0.0.1:52304\n> [line 2]  0:00:03   ESTABLISHED            sip:a@127.0.0.1:5080\n\n',
      ),
      [
        { current: false, line: 1, state: 'INCOMING', onHold: true, peer: 'sip:evil@127.0.0.1:52304' },
        { current: true, line: 2, state: 'ESTABLISHED', onHold: false, peer: 'sip:a@127.0.0.1:5080' },
      ],
    );
  });

  for (const pick of [0, 1, 2]) {
    it(`answers call ${pick + 1} of three ringing: accept is repeated until baresip takes it, the others are refused busy`, async () => {
      const r = rig();
      for (const bid of ['a', 'b', 'c']) r.model.ring(bid, `sip:${bid}@127.0.0.1:5080`);
      const bid = ['a', 'b', 'c'][pick]!;
      const answering = r.book.answer(r.idOf(bid));
      await r.flush();
      assert.ok(r.model.calls.find((c) => c.id === bid)!.answered, 'baresip answered the chosen call');
      assert.deepEqual(
        r.model.calls.filter((c) => c.answered).map((c) => c.id),
        [bid],
        'and only that one',
      );
      r.model.ack(bid);
      await answering;
      await r.flush();
      for (const other of ['a', 'b', 'c'].filter((x) => x !== bid))
        assert.deepEqual(closedEnd(r, r.idOf(other)), { reason: 'busy', code: 486 });
      assert.deepEqual(
        r.model.calls.map((c) => c.id),
        [bid],
      );
    });
  }

  it('answer() fails when the answered call is not established in time (no ACK)', async () => {
    const r = rig();
    r.model.ring('a');
    const answering = r.book.answer(r.idOf('a'));
    const failed = assert.rejects(answering, /was answered but not established within 5000 ms/);
    await r.clock.advance(5000);
    await failed;
  });

  it('incoming calls during a conversation are refused at once (486), unseen by the features, each the one meant (one arriving between the selection and the hangup included)', async () => {
    const r = rig();
    r.model.ring('a');
    const answering = r.book.answer(r.idOf('a'));
    await r.flush();
    r.model.ack('a');
    await answering;
    r.model.ring('flood1');
    r.model.ring('flood2');
    await r.flush();
    assert.deepEqual(
      r.model.calls.map((c) => c.id),
      ['a'],
      `both refused in baresip: ${r.model.sent.join(', ')}`,
    );
    assert.equal(r.of('call.incoming').length, 1, 'the features heard of the first call only');
    assert.equal(r.of('call.closed').length, 0, 'nor of the refused calls’ end');
    assert.deepEqual(
      r.book.list().map((c: CallInfo) => c.state),
      ['established'],
    );
  });

  it('the limit is a setting read at each call: with 2, a second conversation is possible, a third is refused', async () => {
    const r = rig({ maxCalls: 2 });
    for (const bid of ['a', 'b']) {
      r.model.ring(bid);
      const answering = r.book.answer(r.idOf(bid));
      await r.flush();
      r.model.ack(bid);
      await answering;
    }
    r.model.ring('c');
    await r.flush();
    assert.deepEqual(r.model.calls.map((c) => c.id).sort(), ['a', 'b']);
    assert.deepEqual(
      r.book.list().map((c) => c.state),
      ['established', 'established'],
    );
    r.setMax(3);
    r.model.ring('d');
    await r.flush();
    assert.ok(
      r.model.calls.some((c) => c.id === 'd'),
      'a limit raised applies to the next call, without a restart',
    );
  });

  it(`a call ringing beyond ${MAX_RINGING} makes the oldest ringing one go, so that baresip always has room`, async () => {
    const r = rig();
    for (const bid of ['a', 'b', 'c', 'd']) r.model.ring(bid, `sip:${bid}@127.0.0.1:5080`);
    await r.flush();
    assert.deepEqual(closedEnd(r, r.idOf('a')), { reason: 'too many calls ringing', code: 486 });
    assert.deepEqual(
      r.model.calls.map((c) => c.id),
      ['b', 'c', 'd'],
    );
  });

  it('a call baresip cannot name (empty id) is ended by its line; the next call is answered', async () => {
    const r = rig();
    r.model.ring('');
    await r.flush();
    assert.deepEqual(r.model.calls, [], 'the ghost was hung up');
    assert.ok(r.model.sent.includes('line 1') && r.model.sent.includes('hangup'));
    assert.equal(r.of('call.incoming').length, 0);
    r.model.ring('b');
    const answering = r.book.answer(r.idOf('b'));
    await r.flush();
    r.model.ack('b');
    await answering;
  });

  it('a call of the book that baresip no longer holds is closed', async () => {
    const r = rig();
    r.model.ring('a');
    await r.flush();
    r.model.lose('a');
    const result = await r.book.reconcile('test');
    assert.equal(result.lost.length, 1);
    assert.deepEqual(closedEnd(r, r.idOf('a')), { reason: 'lost by the SIP engine' });
    assert.deepEqual(r.book.list(), []);
  });

  it('a second call with a Call-ID already in use is ended by its line; the first goes on', async () => {
    const r = rig();
    r.model.ring('x');
    await r.flush();
    r.model.ring('x', 'sip:other@127.0.0.1:5090');
    await r.flush();
    assert.deepEqual(
      r.model.calls.map((c) => [c.id, c.line]),
      [['x', 1]],
      'the duplicate (line 2) was hung up',
    );
    assert.deepEqual(
      r.book.list().map((c) => c.state),
      ['incoming'],
      'the first call is still ringing in the book',
    );
    assert.equal(r.of('call.incoming').length, 1);
    assert.equal(r.of('call.closed').length, 0);
  });

  it('a call baresip does not end makes the engine restart baresip', async () => {
    const r = rig();
    r.model.ring('x');
    await r.flush();
    const book = r.book.list();
    assert.equal(book.length, 1);
    r.model.calls.push({
      id: 'x',
      line: 9,
      state: 'INCOMING',
      onHold: false,
      answered: false,
      peer: 'sip:dup@127.0.0.1',
      sticky: true,
    });
    const result = await r.book.reconcile('test');
    assert.equal(result.ended.length, 1, 'the duplicate was asked to end');
    assert.equal(r.book.list().length, 1, "the book's call of that id is still there");
    assert.equal(result.stuck, true);
    assert.deepEqual(r.restarts, ['baresip holds a call it does not end']);
  });
});
