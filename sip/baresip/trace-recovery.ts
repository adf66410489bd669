/**
 * What the engine does once baresip's SIP trace is lost (sip-trace.ts: a sender's forgery, or output
 * printed inside a trace block): every caller's source is unknown until baresip restarts with a new
 * trace, so the address entries of the allowed callers match nobody. It fails closed, but one crafted
 * datagram would disable them until someone restarts the device. So the engine restarts baresip by
 * itself, in order (`quit`, then a new launch; not a crash), as soon as no call is in progress: at once
 * when idle, otherwise once the last call ends. Calls in progress are never cut. The restarts are
 * paced (restart-pacer.ts) so that a sender cannot make the door restart its SIP engine at will.
 */
import type { Clock, Logger, TimerHandle } from '../../core/index.ts';
import { DEFAULT_RESTART_PACING, RestartPacer, type RestartPacing } from './restart-pacer.ts';

export type TraceRecoveryDeps = {
  clock: Clock;
  log: Logger;
  /** A call is in progress, or the engine is not running: the restart waits (see `check`). */
  busy: () => boolean;
  /**
   * Restarts baresip in order; resolves true once it is up again with a new trace, false if it did
   * not restart (stopped meanwhile). If the new baresip does not start, the engine's crash handling
   * takes over (it rejects, or resolves false).
   */
  restart: () => Promise<boolean>;
  pacing?: RestartPacing;
};

export class TraceRecovery {
  #deps: TraceRecoveryDeps;
  #pacer: RestartPacer;
  /** Why the trace was lost, while a restart is owed. */
  #pending: string | undefined;
  #timer: TimerHandle | undefined;
  #waitLogged = false;

  constructor(deps: TraceRecoveryDeps) {
    this.#deps = deps;
    this.#pacer = new RestartPacer(deps.pacing ?? DEFAULT_RESTART_PACING);
  }

  /** A restart is owed (the trace was lost and baresip did not restart since). */
  get pending(): boolean {
    return this.#pending !== undefined;
  }

  /** The trace got out of step: baresip restarts as soon as it is idle and the pacing allows. */
  lost(why: string): void {
    if (this.#pending !== undefined) return;
    this.#pending = why;
    this.#waitLogged = false;
    const restartInMs = this.#pacer.wait(this.#deps.clock.monotonic());
    const callsInProgress = this.#deps.busy();
    this.#deps.log.warn(
      { why, restartInMs, callsInProgress },
      "SIP trace out of step: callers' addresses are unknown until the SIP engine restarts" +
        (restartInMs > 0
          ? ` (restart planned in ${Math.ceil(restartInMs / 1000)} s, restarts are paced${callsInProgress ? ', once no call is in progress' : ''})`
          : callsInProgress
            ? ' (restart planned once no call is in progress)'
            : ' (restarting it now)'),
    );
    this.#arm(restartInMs);
  }

  /** Something ended (a call, a restart for another reason): the owed restart goes if nothing holds it now. */
  check(): void {
    if (this.#pending === undefined || this.#timer) return;
    if (this.#deps.busy()) return;
    this.#arm(0);
  }

  /** baresip restarted for another reason (with a new trace) or the engine stops: nothing is owed. */
  cancel(): void {
    this.#pending = undefined;
    this.#deps.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(ms: number): void {
    this.#deps.clock.clearTimeout(this.#timer);
    this.#timer = this.#deps.clock.setTimeout(() => this.#due(), ms);
  }

  #due(): void {
    this.#timer = undefined;
    const why = this.#pending;
    if (why === undefined) return;
    const now = this.#deps.clock.monotonic();
    const wait = this.#pacer.wait(now);
    if (wait > 0) {
      this.#arm(wait);
      return;
    }
    if (this.#deps.busy()) {
      // check() goes on when the last call ends
      if (!this.#waitLogged)
        this.#deps.log.info({ why }, 'the SIP engine restart (SIP trace lost) waits for the calls in progress to end');
      this.#waitLogged = true;
      return;
    }
    this.#pending = undefined;
    this.#pacer.restarted(now);
    // a next restart comes no sooner than this after this one
    const gapMs = this.#pacer.gapMs;
    this.#deps.restart().then(
      (up) => {
        if (up)
          this.#deps.log.warn(
            { why, gapMs },
            "SIP engine restarted after its SIP trace was lost: callers' addresses are known again",
          );
      },
      (err) => this.#deps.log.error({ err, why }, 'restarting the SIP engine after its SIP trace was lost failed'),
    );
  }
}
