/**
 * The device status on `status` (retained): online with what a cloud lists (model, role, firmware,
 * boot id, IP, uptime, SIP registrations, when it connected), republished when something in it
 * changes, at most once a second; the last will and a clean stop say offline.
 */
import { networkInterfaces } from 'node:os';
import type { Clock, TimerHandle } from '../../core/index.ts';
import type { Config } from '../config/index.ts';
import type { DeviceStatus } from './protocol/index.ts';

export const STATUS_MIN_INTERVAL_MS = 1000;

export type StatusSource = {
  config: () => Config;
  clock: Clock;
  bootId: string;
  firmware: string;
  /** Monotonic ms at the agent's start. */
  startedAt: number;
  /** SIP registrations: accounts configured and registered now. */
  sip: () => { accounts: number; registered: number };
  ip?: () => string;
};

/** What the device says about itself, online or offline. */
export function deviceStatus(
  src: StatusSource,
  state: 'online' | 'offline',
  connectedAt: number | undefined,
  reason?: string,
): DeviceStatus {
  const c = src.config();
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    state,
    deviceId: c.identity.mac.replace(/:/g, '').toLowerCase(),
    model: c.identity.model,
    role: c.identity.role,
    name: c.identity.name,
    location: c.identity.location,
    firmware: src.firmware,
    bootId: src.bootId,
    ...(state === 'online' ? { ip: (src.ip ?? firstIp)(), uptime: uptimeOf(src), sip: src.sip() } : {}),
    ...(connectedAt !== undefined ? { connectedAt: iso(connectedAt) } : {}),
    updatedAt: iso(src.clock.now()),
    ...(reason ? { reason } : {}),
  };
}

export function uptimeOf(src: { clock: Clock; startedAt: number }): number {
  return Math.round((src.clock.monotonic() - src.startedAt) / 1000);
}

function firstIp(): string {
  for (const list of Object.values(networkInterfaces()))
    for (const i of list ?? []) if (!i.internal && i.family === 'IPv4') return i.address;
  return '127.0.0.1';
}

/** Coalesces republish requests: at most one publish per interval, the newest state wins. */
export class RateLimited {
  #last = Number.NEGATIVE_INFINITY;
  #timer: TimerHandle | undefined;
  constructor(
    private readonly clock: Clock,
    private readonly fn: () => void,
    private readonly intervalMs = STATUS_MIN_INTERVAL_MS,
  ) {}

  request(): void {
    if (this.#timer) return;
    const wait = this.#last + this.intervalMs - this.clock.monotonic();
    if (wait <= 0) {
      this.#fire();
      return;
    }
    this.#timer = this.clock.setTimeout(() => this.#fire(), wait);
  }

  cancel(): void {
    this.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #fire(): void {
    this.#timer = undefined;
    this.#last = this.clock.monotonic();
    this.fn();
  }
}
