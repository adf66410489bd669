/** The call features of the door phone (Intercom > Basic and Call Feature), one module each. */
import type { Module } from '../../core/index.ts';
import type { Part } from '../context.ts';
import { ActionUrls } from './action-urls.ts';
import { AutoAnswer } from './auto-answer.ts';
import { CallTimers } from './call-timers.ts';
import { Dnd } from './dnd.ts';
import { DoorUnlock } from './door-unlock.ts';
import { ExitButton } from './exit-button.ts';
import { HangUpAfterOpen } from './hang-up-after-open.ts';
import { MulticastPaging } from './multicast-paging.ts';
import { PushButton } from './push-button.ts';
import { PushButtonAction } from './push-button-action.ts';
import { PushToHangUp } from './push-to-hang-up.ts';
import { type AudioSinkFactory, alsaSink, nullSink } from './support/audio-sink.ts';
import type { FeatureDeps } from './support/feature.ts';
import { listenMulticast, type PacketListener } from './support/multicast-listener.ts';

export { dndActive } from './dnd.ts';
export { INTER_DIGIT_MS } from './door-unlock.ts';
export { PAGE_TIMEOUT_MS, type PagingStats } from './multicast-paging.ts';
export { planPress } from './push-button.ts';
export type { AudioSink, AudioSinkFactory } from './support/audio-sink.ts';
export type { FeatureDeps } from './support/feature.ts';
export type { PacketListener } from './support/multicast-listener.ts';
export { isActive as isScheduleActive } from './support/schedules.ts';
export {
  ActionUrls,
  AutoAnswer,
  CallTimers,
  Dnd,
  DoorUnlock,
  ExitButton,
  HangUpAfterOpen,
  MulticastPaging,
  PushButton,
  PushButtonAction,
  PushToHangUp,
};

/** Where multicast pages are played (`sinks`) and how their packets are received (`listen`). */
export type FeatureIo = { sinks: AudioSinkFactory; listen?: PacketListener };

/**
 * Builds every feature, as the agent runs them (the unit tests build them with this too). A feature
 * must not depend on the order they start in: what one needs of another comes as a bus event.
 */
export function createFeatures(deps: FeatureDeps, io: FeatureIo): Module[] {
  const each = (name: string): FeatureDeps => ({ ...deps, log: deps.log.child({ module: name }) });
  const all = [
    new CallTimers(each('call-timers')),
    new Dnd(each('dnd')),
    new AutoAnswer(each('auto-answer')),
    new PushToHangUp(each('push-to-hang-up')),
    new PushButton(each('push-button')),
    new PushButtonAction(each('push-button-action')),
    new ExitButton(each('exit-button')),
    new DoorUnlock(each('door-unlock')),
    new HangUpAfterOpen(each('hang-up-after-open')),
    new MulticastPaging(each('multicast-paging'), io.sinks, io.listen ?? listenMulticast),
    new ActionUrls(each('action-urls')),
  ];
  // An indoor monitor places no push-button calls, opens no door by DTMF (it sends the codes) and
  // answers nothing by itself (a call from a door rings for the resident); its relays, inputs (exit
  // button), DND, timers and paging stay. A role change restarts the agent.
  if (deps.config.get().identity.role !== 'indoor-monitor') return all;
  return all.filter((m) => !DOOR_PHONE_ONLY.has(m.name));
}

/** The features of the door phone role only. */
export const DOOR_PHONE_ONLY: ReadonlySet<string> = new Set([
  'auto-answer',
  'push-button',
  'push-button-action',
  'push-to-hang-up',
  'door-unlock',
]);

export const featuresPart: Part = (ctx) => {
  const { sip, relays, door } = ctx.services;
  if (!sip || !relays || !door) {
    ctx.log.error('call features need the SIP engine, the relays and the door; they are off');
    return [];
  }
  const log = ctx.log;
  const sinks: AudioSinkFactory = (label) => {
    const device = ctx.config.get().sip.audioDevice;
    return device ? alsaSink(device, log.child({ module: 'audio' }))(label) : nullSink(label);
  };
  return createFeatures({ config: ctx.config, bus: ctx.bus, clock: ctx.clock, log, sip, relays, door }, { sinks });
};
