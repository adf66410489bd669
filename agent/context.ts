/** What every part of the agent is given: the config, the bus, time, logging, and the shared services. */
import type { Clock, Logger, Module } from '../core/index.ts';
import type { InputService, RelayService, SimGpioControl } from '../hal/types.ts';
import type { SipEngine } from '../sip/engine.ts';
import type { Bus } from './bus.ts';
import type { CloudService } from './cloud/index.ts';
import type { ConfigStore } from './config/index.ts';
import type { DoorService } from './door/door.ts';
import type { FirmwareService } from './firmware/index.ts';
import type { HomeAssistantStatus } from './integrations/index.ts';
import type { CallLogEntry, DoorLogEntry, EventLog } from './logs/index.ts';
import type { MonitorService } from './monitor/index.ts';
import type { ProvisioningService } from './provisioning/index.ts';

export type RunOptions = {
  dataDir: string;
  /** GPIO driver: `sim` (in-memory, the dev run) or `gpiod` (Linux GPIO character device). */
  hal: 'sim' | 'gpiod';
  /** Development run: extra conveniences (simulated inputs in the UI, setup code in the log). */
  dev: boolean;
  /**
   * Dev run's indoor monitor: `portier` a second Portier agent in the monitor role (web 8081, SIP 5070);
   * `auto` (or true) a bare SIP engine that answers and sends the door code (unattended demos, tests).
   */
  devMonitor?: boolean | 'portier' | 'auto';
  /** Dev run: start a local mosquitto on 127.0.0.1 and connect the cloud link to it. */
  devBroker?: boolean;
  /** Address the web UI and API bind to; default 0.0.0.0 on a device, 127.0.0.1 in the dev run. */
  bind?: string;
  /** The file the DHCP client writes options 66/43 to (default /run/portier/dhcp-options). */
  dhcpOptionsFile?: string;
  /** Address the SIP engine listens on; default 0.0.0.0 on a device, 127.0.0.1 in the dev run. */
  sipAddress?: string;
};

/** Services a part offers to the parts created after it (each part fills in its own). */
export type AgentServices = {
  relays: RelayService;
  inputs: InputService;
  /** Only with the sim HAL. */
  simGpio: SimGpioControl;
  sip: SipEngine;
  /** The one owner of door openings (every method goes through it). */
  door: DoorService;
  callLog: EventLog<CallLogEntry>;
  doorLog: EventLog<DoorLogEntry>;
  /** The cloud link: its state, and the hook auto-provisioning calls after each server provisioning. */
  cloud: CloudService;
  /** Firmware updates (RAUC, A/B slots): status, an update now. */
  firmware: FirmwareService;
  /** Auto-provisioning from a server: its runs, and a run now. */
  provisioning: ProvisioningService;
  /** Home Assistant over MQTT discovery: the state of its connection. */
  homeAssistant: { status(): HomeAssistantStatus };
  /** The indoor monitor (identity.role = indoor-monitor only). */
  monitor: MonitorService;
  /** Module states, for the status page. */
  modules: () => Record<string, { state: string; error?: string }>;
};

export type AgentContext = {
  options: RunOptions;
  config: ConfigStore;
  bus: Bus;
  clock: Clock;
  log: Logger;
  services: Partial<AgentServices>;
  /** Asks the agent to restart itself (stop every module, build and start again). */
  restart: () => void;
  /** The running firmware's version (the image's, else the agent's), read once at start. */
  firmwareVersion: string;
  /** Calls of the SIP engine not yet closed (0 without an engine): who waits for the device to be idle. */
  callsInProgress: () => number;
};

/** A part of the agent (HAL, SIP, features, web ...): builds its modules from the context. */
export type Part = (ctx: AgentContext) => Module[];
