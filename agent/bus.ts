/**
 * The agent's typed event bus. Each part adds the events it emits here; listeners added by a
 * module are removed when it stops.
 */
import { TypedEmitter } from '../core/index.ts';
import type { ConfigChange } from './config/index.ts';

export type AgentEvents = {
  'config.changed': ConfigChange;
  'agent.started': { at: number };
  'agent.stopping': { at: number };
};

export class Bus extends TypedEmitter<AgentEvents> {}
