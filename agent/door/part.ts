/** The door part: the one owner of door openings, offered to the features and the web routes as `services.door`. */
import type { Part } from '../context.ts';
import { Door } from './door.ts';

export const doorPart: Part = (ctx) => {
  const { relays } = ctx.services;
  if (!relays) {
    ctx.log.error('the door needs the relays; nothing can open it');
    return [];
  }
  ctx.services.door = new Door({
    relays,
    calls: () => ctx.services.sip?.calls() ?? [],
    events: ctx.bus,
    clock: ctx.clock,
    log: ctx.log.child({ module: 'door' }),
  });
  return [];
};
