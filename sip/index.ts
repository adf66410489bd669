/**
 * The SIP engine: the interface the agent uses, its types, the baresip driver behind it, and a fake
 * for unit tests. `createSipEngine` picks the driver (baresip is the only one).
 */
import type { Clock, Logger } from '../core/index.ts';
import { type BaresipDeps, BaresipEngine } from './baresip/engine.ts';
import type { EngineSettings, SipEngine } from './engine.ts';

export { DEFAULT_DIAL_TIMEOUT_MS } from './baresip/calls.ts';
export { type BaresipDeps, BaresipEngine } from './baresip/engine.ts';
export type * from './engine.ts';
export { SIP_EVENTS } from './engine.ts';
export { type FakeAction, type FakeOp, FakeSipEngine } from './fake.ts';
export { EngineSlot } from './slot.ts';
export { completeTarget, DEFAULT_DIRECT_IP_USER, isAddress, TargetError } from './target.ts';

export type SipEngineDeps = {
  log: Logger;
  clock: Clock;
  /** The engine's private dir (for baresip: its config dir, created 0700). */
  dir: string;
  /** Driver options (binary, module path, restart delays ...). */
  baresip?: Omit<BaresipDeps, 'log' | 'clock' | 'dir'>;
};

export function createSipEngine(settings: EngineSettings, deps: SipEngineDeps): SipEngine {
  return new BaresipEngine(settings, { log: deps.log, clock: deps.clock, dir: deps.dir, ...deps.baresip });
}
