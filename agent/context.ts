/** What every part of the agent is given: the config, the bus, time, logging, and the shared services. */
import type { Clock, Logger, Module } from '../core/index.ts';
import type { Bus } from './bus.ts';
import type { ConfigStore } from './config/index.ts';

export type RunOptions = {
  dataDir: string;
  /** GPIO driver: `sim` (in-memory, the dev run) or `gpiod` (Linux GPIO character device). */
  hal: 'sim' | 'gpiod';
  /** Development run: extra conveniences (simulated inputs in the UI, setup code in the log). */
  dev: boolean;
};

/** Services a part offers to the parts created after it. */
export type AgentServices = Record<string, never>;

export type AgentContext = {
  options: RunOptions;
  config: ConfigStore;
  bus: Bus;
  clock: Clock;
  log: Logger;
  services: Partial<AgentServices>;
};

/** A part of the agent (HAL, SIP, features, web ...): builds its modules from the context. */
export type Part = (ctx: AgentContext) => Module[];
