/**
 * A real baresip playing an indoor monitor (or any SIP phone) in tests: on direct IP
 * (`sip:<user>@127.0.0.1:<port>`) and/or registered to the test PBX, answering by itself or when
 * told, rejecting, hanging up, sending DTMF. It records what it received: INVITEs (CALL_INCOMING),
 * closes with their reason, DTMF digits.
 *
 *   const monitor = await BaresipPeer.start({ answer: 'auto', register: { pbx, subscriber: pbx.subscribers[1] } });
 *   await monitor.waitFor('CALL_INCOMING');
 *   monitor.digits()  // '1234'
 *   await monitor.stop();
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kamailio, Subscriber } from './kamailio.ts';
import { freeRtpRange, freeSipPort, freeTcpPort } from './ports.ts';
import { startProcess, type Tracked } from './processes.ts';
import { RawCtrl, type RawEvent } from './raw-ctrl.ts';

export type PeerOptions = {
  name?: string;
  /** User of its direct IP account (default 'monitor'). */
  user?: string;
  /** auto: answers every call as soon as it rings here; manual: waits for answer()/reject(). */
  answer?: 'auto' | 'manual';
  /** Also register to the PBX as this subscriber. */
  register?: { pbx: Kamailio; subscriber: Subscriber; transport?: 'udp' | 'tcp' };
  /**
   * Address it listens on and sends from (default 127.0.0.1). Its direct IP AOR still says
   * 127.0.0.1: with another address (127.0.0.2) it is a caller whose From URI lies about where it is.
   */
  address?: string;
};

export type PeerEvent = RawEvent & { at: number };

export class BaresipPeer {
  readonly events: PeerEvent[] = [];
  #waiters = new Set<() => void>();
  #proc!: Tracked;
  #ctrl!: RawCtrl;
  #dir = '';
  #opts: PeerOptions;
  sipPort = 0;
  /** Address for direct IP calls to this peer. */
  directUri = '';
  /** Address-of-record at the PBX (when registered). */
  aor = '';

  private constructor(opts: PeerOptions) {
    this.#opts = opts;
  }

  static async start(opts: PeerOptions = {}): Promise<BaresipPeer> {
    const peer = new BaresipPeer(opts);
    await peer.#start();
    return peer;
  }

  get pid(): number {
    return this.#proc.pid;
  }

  async #start(): Promise<void> {
    const name = this.#opts.name ?? 'peer';
    this.#dir = await mkdtemp(join(tmpdir(), `portier-${name}-`));
    this.sipPort = await freeSipPort(2);
    const ctrlPort = await freeTcpPort();
    const [rtpMin, rtpMax] = await freeRtpRange(10);
    await writeFile(
      join(this.#dir, 'config'),
      [
        'poll_method epoll',
        `sip_listen ${this.#opts.address ?? '127.0.0.1'}:${this.sipPort}`,
        `net_interface ${this.#opts.address ?? '127.0.0.1'}`,
        `rtp_ports ${rtpMin}-${rtpMax}`,
        'module_path /usr/lib/baresip/modules',
        'audio_source ausine,880',
        'ausrc_srate 48000',
        'ausrc_channels 2',
        'audio_player aubridge,nullplay',
        'audio_alert aubridge,nullalert',
        'module g711.so',
        'module ausine.so',
        'module aubridge.so',
        'module_tmp uuid.so',
        'module_app menu.so',
        'module_app ctrl_tcp.so',
        'statmode_default off',
        'menu_bell no',
        `ctrl_tcp_listen 127.0.0.1:${ctrlPort}`,
        '',
      ].join('\n'),
    );
    await writeFile(join(this.#dir, 'accounts'), '');
    this.#proc = startProcess(name, 'baresip', ['-f', this.#dir]);
    this.#ctrl = await RawCtrl.connect(ctrlPort, (e) => this.#event(e));
    const user = this.#opts.user ?? 'monitor';
    this.directUri = `sip:${user}@127.0.0.1:${this.sipPort}`;
    const direct = await this.#ctrl.cmd('uanew', `<${this.directUri}>;regint=0;answermode=manual`);
    if (!direct.ok) throw new Error(`${name}: uanew failed: ${direct.data}`);
    const reg = this.#opts.register;
    if (reg) {
      this.aor = `sip:${reg.subscriber.user}@${reg.pbx.host}:${reg.pbx.port}`;
      const tp = reg.transport && reg.transport !== 'udp' ? `;transport=${reg.transport}` : '';
      const ok = this.waitFor('REGISTER_OK', (e) => e.accountaor === this.aor, 5000);
      const r = await this.#ctrl.cmd(
        'uanew',
        `<${this.aor}${tp}>;auth_pass=${reg.subscriber.password};regint=60;answermode=manual`,
      );
      if (!r.ok) throw new Error(`${name}: uanew failed: ${r.data}`);
      await ok;
    }
  }

  #event(e: RawEvent): void {
    if (e.type === 'CALL_RTCP') return;
    this.events.push({ ...e, at: performance.now() } as PeerEvent);
    if (e.type === 'CALL_INCOMING' && this.#opts.answer === 'auto')
      void this.#select(e).then(() => this.#ctrl.cmd('accept'));
    for (const w of [...this.#waiters]) w();
  }

  /** Makes the call of event `e` (or the last incoming one) the current call of its account. */
  async #select(e?: RawEvent): Promise<void> {
    const call =
      e ?? [...this.events].reverse().find((x) => x.type === 'CALL_INCOMING' || x.type === 'CALL_ESTABLISHED');
    if (!call) throw new Error('no call to act on');
    await this.#ctrl.send(['uafind', String(call.accountaor)], ['callfind', String(call.id)]);
  }

  /** Resolves with the first event of `type` (already received or to come) that matches. */
  waitFor(type: string, match: (e: PeerEvent) => boolean = () => true, timeoutMs = 10_000): Promise<PeerEvent> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const e = this.events.find((x) => x.type === type && match(x));
        if (e) {
          done();
          resolve(e);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.#opts.name ?? 'peer'}: no ${type} within ${timeoutMs} ms; got ${this.summary()}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
      check();
    });
  }

  /** Event types received so far, for error messages. */
  summary(): string {
    return this.events.map((e) => `${e.type}${e.param ? `(${e.param})` : ''}`).join(' ') || 'nothing';
  }

  count(type: string): number {
    return this.events.filter((e) => e.type === type).length;
  }

  /** DTMF digits received, in order. */
  digits(): string {
    return this.events
      .filter((e) => e.type === 'CALL_DTMF_START')
      .map((e) => e.param)
      .join('');
  }

  /** Forgets what was received (between the steps of a test). */
  clear(): void {
    this.events.length = 0;
  }

  async answer(): Promise<void> {
    await this.#select(this.#lastIncoming());
    await this.#ctrl.cmd('accept');
  }

  /** Rejects the ringing call (baresip sends 486). */
  async reject(): Promise<void> {
    await this.#select(this.#lastIncoming());
    await this.#ctrl.cmd('hangup');
  }

  async hangup(): Promise<void> {
    await this.#select();
    await this.#ctrl.cmd('hangup');
  }

  async sendDtmf(digits: string): Promise<void> {
    await this.#select();
    const r = await this.#ctrl.cmd('sndcode', digits);
    if (!r.ok) throw new Error(`sndcode failed: ${r.data}`);
  }

  /**
   * Sends DTMF on the call selected last (by answer(), sendDtmf() ...) without selecting it again,
   * for benchmarks: resolves with the time (performance.now()) the `sndcode` command was written.
   */
  async sendDtmfToCurrent(digits: string): Promise<number> {
    const at = performance.now();
    const r = await this.#ctrl.cmd('sndcode', digits);
    if (!r.ok) throw new Error(`sndcode failed: ${r.data}`);
    return at;
  }

  /** Calls `uri` from its PBX account if registered, else from its direct IP account. */
  async dial(uri: string): Promise<void> {
    const r = await this.#ctrl.send(['uafind', this.aor || this.directUri], ['dial', uri]);
    if (!r[1]!.ok) throw new Error(`dial failed: ${r[1]!.data}`);
  }

  async stop(): Promise<void> {
    this.#ctrl?.close();
    await this.#proc?.stop(2000);
    await rm(this.#dir, { recursive: true, force: true });
  }

  #lastIncoming(): PeerEvent {
    const e = [...this.events].reverse().find((x) => x.type === 'CALL_INCOMING');
    if (!e) throw new Error(`no incoming call; got ${this.summary()}`);
    return e;
  }
}
