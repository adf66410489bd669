/**
 * Multicast paging: the device listens on the configured multicast addresses and ports and plays
 * the G.711 RTP that arrives. The list order is the priority (1 = highest).
 * - Paging priority active: a page from a higher entry interrupts a lower one that is playing;
 *   otherwise the page that started first plays to its end and the others wait.
 * - Paging barge N: pages from the first N entries have priority over SIP calls: they play during
 *   a call (the call is put on hold). Other pages wait while a SIP call is in progress, and a call
 *   that gets connected stops them.
 * - A page with no packet for PAGE_TIMEOUT_MS has ended.
 */
import type { TimerHandle } from '../../core/index.ts';
import type { AudioSink, AudioSinkFactory } from './support/audio-sink.ts';
import { Feature, type FeatureDeps } from './support/feature.ts';
import { decodeG711 } from './support/g711.ts';
import { listenMulticast, type PacketListener } from './support/multicast-listener.ts';
import { parseRtp } from './support/rtp.ts';

export const PAGE_TIMEOUT_MS = 3000;

type Stream = { slot: number; address: string; port: number; label: string; timer?: TimerHandle };

export type PagingStats = {
  playing?: { address: string; port: number; label: string };
  packets: number;
  samples: number;
};

export class MulticastPaging extends Feature {
  readonly name = 'multicast-paging';
  #sinks: AudioSinkFactory;
  #listen: PacketListener;
  #closers: (() => void)[] = [];
  #receiving = new Map<number, Stream>();
  #playing: { stream: Stream; sink: AudioSink } | undefined;
  #held: string[] = [];
  #stats = { packets: 0, samples: 0 };

  constructor(deps: FeatureDeps, sinks: AudioSinkFactory, listen: PacketListener = listenMulticast) {
    super(deps);
    this.#sinks = sinks;
    this.#listen = listen;
  }

  stats(): PagingStats {
    const p = this.#playing?.stream;
    return { ...this.#stats, ...(p ? { playing: { address: p.address, port: p.port, label: p.label } } : {}) };
  }

  override async start(): Promise<void> {
    await super.start();
    await this.#open();
  }

  override async stop(): Promise<void> {
    this.#end('agent stopping');
    await this.#close();
    await super.stop();
  }

  protected subscribe(): void {
    this.on('config.changed', (c) => {
      if (c.keys.some((k) => k.startsWith('intercom.multicast.listen')))
        this.#close()
          .then(() => this.#open())
          .catch((err) => this.log.error({ err }, 'multicast listen failed'));
    });
    this.on('call.established', ({ call }) => {
      const p = this.#playing;
      if (!p) return;
      if (this.#barges(p.stream.slot)) this.#hold(call.id);
      else this.#end('a SIP call was connected');
    });
  }

  async #open(): Promise<void> {
    for (const [slot, l] of this.config.intercom.multicast.listen.entries()) {
      if (!l.address) continue;
      const stream = { slot, address: l.address, port: l.port, label: l.label || `${l.address}:${l.port}` };
      try {
        this.#closers.push(await this.#listen(l.address, l.port, (msg) => this.#packet(stream, msg)));
        this.log.info({ address: l.address, port: l.port }, 'listening for multicast pages');
      } catch (err) {
        this.log.error({ err, address: l.address, port: l.port }, `cannot listen on ${l.address}:${l.port}`);
      }
    }
  }

  async #close(): Promise<void> {
    for (const close of this.#closers.splice(0)) close();
  }

  #packet(at: Stream, msg: Buffer): void {
    const rtp = parseRtp(msg);
    const pcm = rtp && decodeG711(rtp.payloadType, rtp.payload);
    if (!pcm) return;
    this.#stats.packets++;
    let stream = this.#receiving.get(at.slot);
    if (!stream) {
      stream = at;
      this.#receiving.set(at.slot, stream);
    }
    this.cancel(stream.timer);
    const s = stream;
    stream.timer = this.after(PAGE_TIMEOUT_MS, () => this.#timedOut(s));
    if (this.#playing?.stream.slot !== stream.slot) this.#consider(stream);
    if (this.#playing?.stream.slot === stream.slot) {
      this.#playing.sink.write(pcm);
      this.#stats.samples += pcm.length;
    }
  }

  #barges(slot: number): boolean {
    return slot < this.config.intercom.multicast.pagingBarge;
  }

  /** Should `stream` start playing now? */
  #consider(stream: Stream): void {
    const calls = this.deps.sip.calls().filter((c) => c.state !== 'closed');
    if (calls.length > 0 && !this.#barges(stream.slot)) return; // SIP calls have priority: wait
    const current = this.#playing;
    if (current) {
      if (!this.config.intercom.multicast.pagingPriorityActive || stream.slot >= current.stream.slot) return;
      this.#end(`interrupted by the page on ${stream.label}`);
    }
    for (const c of calls) if (c.state === 'established') this.#hold(c.id);
    this.#playing = { stream, sink: this.#sinks(stream.label) };
    this.log.info({ address: stream.address, port: stream.port, label: stream.label }, 'page started');
    this.deps.bus.emit('paging.started', {
      address: stream.address,
      port: stream.port,
      label: stream.label,
      at: this.deps.clock.now(),
    });
  }

  #timedOut(stream: Stream): void {
    this.#receiving.delete(stream.slot);
    if (this.#playing?.stream.slot === stream.slot) this.#end('no packets');
  }

  #end(reason: string): void {
    const p = this.#playing;
    if (!p) return;
    this.#playing = undefined;
    p.sink.close();
    this.log.info({ label: p.stream.label, reason }, 'page ended');
    this.deps.bus.emit('paging.ended', {
      address: p.stream.address,
      port: p.stream.port,
      label: p.stream.label,
      reason,
      at: this.deps.clock.now(),
    });
    for (const id of this.#held.splice(0)) this.attempt('resume after page', this.deps.sip.resume(id));
  }

  #hold(callId: string): void {
    if (this.#held.includes(callId)) return;
    this.#held.push(callId);
    this.attempt('hold for page', this.deps.sip.hold(callId));
  }
}
