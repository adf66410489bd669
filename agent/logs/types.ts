/** Call log and door log entries, and the bounded persisted log that holds them. */
import type { DoorMethod } from '../door/door.ts';

export type CallLogEntry = {
  id: string;
  direction: 'incoming' | 'outgoing';
  /** Account id, or null for direct IP. */
  account: string | null;
  peer: string;
  peerName: string;
  startedAt: number;
  answeredAt?: number;
  endedAt: number;
  /** answered | missed | rejected | failed | cancelled */
  result: 'answered' | 'missed' | 'rejected' | 'failed' | 'cancelled';
  reason: string;
  code?: number;
};

export type DoorLogEntry = {
  at: number;
  relay: number;
  relayName: string;
  /** How (`input`: an exit button, in entries written before the method was named `exit-button`). */
  method: DoorMethod | 'input';
  /** Who opened (the actor of `door.opened`): the caller's URI for DTMF, the user or token for the API, the input's name ... */
  by: string;
  callId?: string;
};

export type LogPage<T> = { total: number; entries: T[] };

export interface EventLog<T> {
  append(entry: T): Promise<void>;
  /** Newest first. */
  page(opts: { offset?: number; limit?: number }): LogPage<T>;
}
