/** What the web part is given by the agent (dependencies passed in, read when a request needs them). */
import type { AgentEvents, Bus } from '../agent/bus.ts';
import type { ConfigStore } from '../agent/config/index.ts';
import type { AgentServices } from '../agent/context.ts';
import type { Clock, Logger } from '../core/index.ts';

export type { AgentEvents, AgentServices, Bus, ConfigStore };

export type WebDeps = {
  config: ConfigStore;
  bus: Bus;
  clock: Clock;
  log: Logger;
  /** Filled in by the other parts; any service may be missing (its routes then answer 503). */
  services: Partial<AgentServices>;
  dataDir: string;
  /** Development run: simulated inputs in the UI, the setup code printed to the log. */
  dev: boolean;
  /** Address the HTTP(S) listeners bind to: 0.0.0.0 on a device, 127.0.0.1 in the dev run and tests. */
  bind: string;
  hal: string;
  version: string;
  /** Folder of the built UI (index.html and assets/). */
  uiDir: string;
  /** Restarts the agent (the API's reboot). */
  restart: () => void;
};
