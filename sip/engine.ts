/**
 * The SIP engine as the rest of the agent sees it. Nothing here knows baresip: the baresip
 * driver implements it, and a fake implements it for unit tests of call features.
 */
import type { TypedEmitter } from '../core/index.ts';

export type Transport = 'udp' | 'tcp' | 'tls';

/** An account as the engine needs it (the agent maps its config onto this). */
export type AccountSpec = {
  /** Stable id, e.g. '1' for the first account of the config. */
  id: string;
  mode: 'registered' | 'static-ip';
  user: string;
  authUser: string;
  password: string;
  displayName: string;
  /** Registrar / PBX host (the SIP domain). */
  server: string;
  port: number;
  transport: Transport;
  registerInterval: number;
  outboundProxy: string;
  dtmfMode: 'rfc4733' | 'info';
  srtp: 'off' | 'optional' | 'mandatory';
};

export type EngineSettings = {
  /** Address the SIP engine binds to (127.0.0.1 in tests, 0.0.0.0 on a device). */
  listenAddress: string;
  /** Local SIP port (UDP and TCP; TLS on port + 1). Direct IP calls arrive here. */
  sipPort: number;
  rtpPortMin: number;
  rtpPortMax: number;
  /** ALSA device; empty = headless test audio (a tone source, no playback). */
  audioDevice: string;
  /** Accept and place calls to IP addresses without an account. */
  directIp: boolean;
  /** Display name used for direct IP calls. */
  displayName: string;
  /**
   * SIP user of this device for direct IP calls (`sip:<user>@<address>`), also used as the remote
   * user when a bare address is dialled. Default 'portier'.
   */
  directIpUser?: string;
};

export type CallDirection = 'incoming' | 'outgoing';
export type CallState = 'dialing' | 'ringing' | 'incoming' | 'established' | 'closed';

export type CallInfo = {
  /** Stable id, known as soon as `dial` returns. */
  id: string;
  direction: CallDirection;
  /** Account id, or null for a direct IP call. */
  account: string | null;
  /** The remote party's URI. */
  peer: string;
  /** The remote display name, as received (untrusted text). */
  peerName: string;
  /**
   * Incoming calls: the address the INVITE came from (`192.0.2.1:5060`, `[fe80::1]:5060`); '' when
   * the engine tracks sources but cannot tell this call's; absent when it does not track them. Unlike
   * `peer` (the From URI, which the caller writes), a caller cannot choose it freely: over UDP one can
   * forge it, but then never gets the answer (and its To tag) needed to establish the call.
   */
  source?: string;
  state: CallState;
  startedAt: number;
  answeredAt?: number;
};

export type RegistrationState = 'registering' | 'registered' | 'failed' | 'unregistered';

export type Registration = {
  account: string;
  state: RegistrationState;
  /** For failures: the reason as given, e.g. "401 Unauthorized" or "Connection timed out". */
  reason?: string;
  /** SIP status code of a failure, when there is one. */
  code?: number;
};

export type CallEnd = {
  /** Human reason: "486 Busy Here", "dial-out timeout", "engine restarted", "local hangup" ... */
  reason: string;
  /** SIP status code when the call ended with one (486, 603, 404 ...). */
  code?: number;
};

export type SipEvents = {
  registration: Registration;
  /** An incoming call is ringing here: answer, reject or let it ring. */
  'call.incoming': { call: CallInfo };
  /** Our outgoing call was sent (INVITE on its way). */
  'call.outgoing': { call: CallInfo };
  /** The remote party is ringing (180/183). */
  'call.ringing': { call: CallInfo };
  'call.established': { call: CallInfo };
  'call.media': { call: CallInfo; kind: 'audio' | 'video' };
  /** A DTMF digit received from the remote party (RFC 4733 or SIP INFO). */
  'call.dtmf': { call: CallInfo; digit: string };
  'call.closed': { call: CallInfo; end: CallEnd };
  /** The engine process (re)started and is ready; accounts were (re)applied. */
  'engine.ready': { restarts: number };
  'engine.down': { reason: string };
};

/** Every event name of the engine, for code that forwards or records them all. */
export const SIP_EVENTS = [
  'registration',
  'call.incoming',
  'call.outgoing',
  'call.ringing',
  'call.established',
  'call.media',
  'call.dtmf',
  'call.closed',
  'engine.ready',
  'engine.down',
] as const satisfies readonly (keyof SipEvents)[];

export type DialOptions = {
  /** Account id; undefined = direct IP (target must then be an address or a full SIP URI). */
  account?: string;
  /** The engine cancels the call if not answered within this time (baresip itself waits 32 s). */
  timeoutMs?: number;
  video?: boolean;
};

export interface SipEngine {
  readonly events: TypedEmitter<SipEvents>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Reconciles the accounts: adds, removes and re-registers as needed. */
  setAccounts(accounts: AccountSpec[]): Promise<void>;
  /**
   * Starts a call and returns at once with its stable id; the outcome comes as events
   * (`call.outgoing` once the INVITE is sent, or `call.closed` if it could not be). Throws at once
   * if the engine is not running, the account is unknown or the target cannot be called.
   */
  dial(target: string, opts?: DialOptions): CallInfo;
  answer(callId: string, opts?: { video?: boolean }): Promise<void>;
  /** Ends a call in any state (cancels an outgoing call that is not answered yet). */
  hangup(callId: string): Promise<void>;
  /**
   * Rejects an incoming call with a SIP status code (404, 480, 486, 603 ...). A driver that cannot
   * send the code asked for sends the one it can: the `call.closed` end tells which was sent
   * (baresip 1.0.0 always sends 486).
   */
  reject(callId: string, code: number): Promise<void>;
  sendDtmf(callId: string, digits: string): Promise<void>;
  /** Puts an established call on hold (a multicast page plays meanwhile), and back. */
  hold(callId: string): Promise<void>;
  resume(callId: string): Promise<void>;
  calls(): CallInfo[];
  registrations(): Registration[];
}
