/**
 * The life of a job on the device: received on `jobs/<id>` → checked → QUEUED (persisted) → waits
 * for its `notBefore` → IN_PROGRESS (persisted before any work, so it never runs twice) → an end
 * state, each change published (retained) on `jobs/<id>/status`. Jobs run one at a time, in the
 * order they become due. A retained job message is ignored (a replayed "reboot" after a reconnect
 * is a classic failure); a job id already seen is not run again; a job past its `expiresAt` is
 * TIMED_OUT. While the wall clock is not set (before NTP: a time before 2025), jobs that name a
 * time wait instead of being judged against 1970.
 */
import { type Clock, errorMessage, type Logger, type TimerHandle } from '../../../core/index.ts';
import { isTerminal, type JobDocument, type JobState, type JobStatus, parseJob } from '../protocol/index.ts';
import type { JobContext, JobHandler, JobHandlers, JobOutcome } from './handler.ts';
import type { JobRecord, JobStore } from './store.ts';

/** Before this the wall clock is not set yet (no NTP): times in jobs cannot be judged. */
export const CLOCK_SANE_AFTER = Date.UTC(2025, 0, 1);
/** The longest timer the runner sets; a due time further away is checked again then (clock jumps). */
const MAX_WAIT_MS = 60 * 60 * 1000;
const UNSET_CLOCK_RECHECK_MS = 60 * 1000;
/** Finished jobs whose status is published again at start. */
const REPUBLISH_WITHIN_MS = 24 * 3600 * 1000;

export type JobUpdate = { id: string; type?: string; status: JobState; step?: string; progress?: number };

export type RunnerDeps = {
  store: JobStore;
  handlers: JobHandlers;
  clock: Clock;
  log: Logger;
  bootId: string;
  /** Publishes a job's status (retained, on `jobs/<id>/status`). */
  publish(id: string, status: JobStatus): void;
  /** Every change of a job, for the bus (`events/job`). */
  onUpdate?(u: JobUpdate): void;
};

export class JobRunner {
  #deps: RunnerDeps;
  #timers = new Map<string, TimerHandle>();
  #cancelled = new Set<string>();
  #committed = new Set<string>();
  #aborts = new Map<string, AbortController>();
  #chain: Promise<unknown> = Promise.resolve();
  #running: string | undefined;
  #stopped = false;

  constructor(deps: RunnerDeps) {
    this.#deps = deps;
  }

  /** Loads the store and takes up every job not over: queued ones wait again, interrupted ones end. */
  async start(): Promise<void> {
    await this.#deps.store.load();
    const now = this.#deps.clock.now();
    for (const rec of this.#deps.store.all()) {
      // a status published just before a stop may not have left: say it again (retained, idempotent)
      if (isTerminal(rec.status) && now >= CLOCK_SANE_AFTER && now - rec.updatedAt < REPUBLISH_WITHIN_MS)
        this.#publish(rec);
      if (rec.status === 'QUEUED') {
        this.#publish(rec);
        this.#schedule(rec);
      } else if (rec.status === 'IN_PROGRESS') {
        const handler = this.#handler(rec.type);
        const outcome: JobOutcome | 'pending' = handler?.resume
          ? handler.resume(rec)
          : { status: 'FAILED', details: `interrupted: the agent stopped during "${rec.step ?? 'the job'}"` };
        if (outcome === 'pending') this.#publish(rec);
        else await this.#finish(rec, outcome);
      }
    }
  }

  stop(): void {
    this.#stopped = true;
    for (const t of this.#timers.values()) this.#deps.clock.clearTimeout(t);
    this.#timers.clear();
  }

  /** A message on `jobs/<id>`. */
  async receive(id: string, payload: Buffer, retained: boolean): Promise<void> {
    const { log, store, clock } = this.#deps;
    if (retained) {
      log.warn({ job: id }, 'cloud: a retained job message is ignored (a command must never be retained)');
      return;
    }
    const seen = store.get(id);
    if (seen) {
      log.info({ job: id, status: seen.status }, 'cloud: job id already seen: not run again');
      this.#publish(seen);
      return;
    }
    const now = clock.now();
    const parsed = parseJob(payload);
    const rec: JobRecord = { id, status: 'QUEUED', receivedAt: now, updatedAt: now };
    if (!parsed.ok) {
      log.warn({ job: id, problem: parsed.error }, 'cloud: job rejected');
      return this.#finish(rec, { status: 'REJECTED', details: parsed.error });
    }
    const doc = parsed.job;
    rec.type = doc.type;
    rec.doc = doc;
    if (this.#expired(doc)) return this.#finish(rec, { status: 'TIMED_OUT', details: `expired at ${doc.expiresAt}` });
    const handler = this.#handler(doc.type);
    const reason = handler ? handler.accept?.(doc as never) : `type: ${doc.type} jobs are not supported by this device`;
    if (reason) {
      log.warn({ job: id, type: doc.type, reason }, 'cloud: job rejected');
      return this.#finish(rec, { status: 'REJECTED', details: reason });
    }
    await this.#update(rec, { status: 'QUEUED', ...(doc.notBefore ? { details: `runs at ${doc.notBefore}` } : {}) });
    log.info({ job: id, type: doc.type, notBefore: doc.notBefore }, 'cloud: job queued');
    handler?.queued?.(id, doc as never);
    this.#schedule(rec);
  }

  /** A message on `jobs/<id>/cancel`: a job not yet at its irreversible part is CANCELED. */
  async cancel(id: string, retained: boolean): Promise<void> {
    const { log, store } = this.#deps;
    if (retained) {
      log.warn({ job: id }, 'cloud: a retained cancel is ignored');
      return;
    }
    const rec = store.get(id);
    if (!rec) {
      log.info({ job: id }, 'cloud: cancel of an unknown job ignored');
      return;
    }
    // committed: in this run of the agent, or before the restart it made (the boot id is stored then)
    if (isTerminal(rec.status) || this.#committed.has(id) || rec.bootId !== undefined) {
      log.info({ job: id, status: rec.status, step: rec.step }, 'cloud: job can no longer be cancelled');
      if (rec.status === 'IN_PROGRESS')
        await this.#update(rec, {
          status: rec.status,
          details: `cancel refused: the job is past its irreversible part (${rec.step ?? 'started'})`,
        });
      else this.#publish(rec);
      return;
    }
    const ended =
      rec.status === 'IN_PROGRESS' && this.#running !== id ? this.#handler(rec.type)?.cancel?.(id) : undefined;
    if (ended) {
      await this.#finish(rec, { status: 'CANCELED', details: ended });
      return;
    }
    if (rec.status === 'QUEUED' && this.#running !== id) {
      this.#deps.clock.clearTimeout(this.#timers.get(id));
      this.#timers.delete(id);
      await this.#finish(rec, { status: 'CANCELED', details: 'cancelled by the cloud before it started' });
      return;
    }
    this.#cancelled.add(id); // the handler sees it before its irreversible part
    this.#aborts.get(id)?.abort();
  }

  /** Ends a job whose handler returned `pending` (e.g. a remote web session at its TTL). */
  async settle(id: string, outcome: JobOutcome): Promise<void> {
    const rec = this.#deps.store.get(id);
    if (rec?.status === 'IN_PROGRESS') await this.#finish(rec, outcome);
  }

  /** Reports a step of a job whose handler returned `pending`. */
  async note(id: string, step: string, details?: JobRecord['details']): Promise<void> {
    const rec = this.#deps.store.get(id);
    if (rec?.status === 'IN_PROGRESS')
      await this.#update(rec, { status: 'IN_PROGRESS', step, ...(details ? { details } : {}) });
  }

  #schedule(rec: JobRecord): void {
    if (this.#stopped) return;
    const doc = rec.doc!;
    const now = this.#deps.clock.now();
    const timed = doc.notBefore !== undefined || doc.expiresAt !== undefined;
    let wait = 0;
    if (timed && now < CLOCK_SANE_AFTER) wait = UNSET_CLOCK_RECHECK_MS;
    else if (doc.notBefore) wait = Math.max(0, Date.parse(doc.notBefore) - now);
    if (wait > 0) {
      const t = this.#deps.clock.setTimeout(
        () => {
          this.#timers.delete(rec.id);
          const cur = this.#deps.store.get(rec.id);
          if (cur?.status === 'QUEUED') this.#schedule(cur);
        },
        Math.min(wait, MAX_WAIT_MS),
      );
      this.#timers.set(rec.id, t);
      return;
    }
    this.#chain = this.#chain.then(() => this.#run(rec.id)).catch(() => {});
  }

  async #run(id: string): Promise<void> {
    const { store, log } = this.#deps;
    const rec = store.get(id);
    if (rec?.status !== 'QUEUED' || this.#stopped) return;
    const doc = rec.doc!;
    if (this.#expired(doc)) return this.#finish(rec, { status: 'TIMED_OUT', details: `expired at ${doc.expiresAt}` });
    const handler = this.#handler(doc.type)!;
    this.#running = id;
    await this.#update(rec, { status: 'IN_PROGRESS', step: 'started' });
    log.info({ job: id, type: doc.type }, 'cloud: job started');
    const runner = this;
    const abort = new AbortController();
    this.#aborts.set(id, abort);
    const ctx: JobContext = {
      id,
      doc,
      get cancelled() {
        return runner.#cancelled.has(id);
      },
      signal: abort.signal,
      progress: (step, progress, details) =>
        this.#update(rec, { status: 'IN_PROGRESS', step, progress, ...(details ? { details } : {}) }),
      commit: async (step, extra) => {
        this.#committed.add(id);
        if (extra?.bootId) rec.bootId = extra.bootId;
        await this.#update(rec, { status: 'IN_PROGRESS', step });
      },
    };
    let outcome: JobOutcome | 'pending';
    try {
      outcome = await handler.run(ctx as never);
    } catch (err) {
      outcome = { status: 'FAILED', details: errorMessage(err) };
    } finally {
      this.#running = undefined;
      this.#aborts.delete(id);
    }
    if (outcome !== 'pending') await this.#finish(rec, outcome);
  }

  async #finish(rec: JobRecord, outcome: JobOutcome | { status: 'TIMED_OUT'; details?: string }): Promise<void> {
    this.#cancelled.delete(rec.id);
    this.#committed.delete(rec.id);
    await this.#update(rec, { status: outcome.status, details: outcome.details, step: undefined, progress: undefined });
    this.#deps.log.info({ job: rec.id, type: rec.type, status: outcome.status }, 'cloud: job done');
  }

  async #update(rec: JobRecord, change: Partial<JobRecord> & { status: JobState }): Promise<void> {
    Object.assign(rec, change, { updatedAt: this.#deps.clock.now() });
    for (const k of ['step', 'progress', 'details'] as const) if (rec[k] === undefined) delete rec[k];
    await this.#deps.store.put(rec);
    this.#publish(rec);
    this.#deps.onUpdate?.({ id: rec.id, type: rec.type, status: rec.status, step: rec.step, progress: rec.progress });
  }

  #publish(rec: JobRecord): void {
    this.#deps.publish(rec.id, {
      status: rec.status,
      ...(rec.type ? { type: rec.type } : {}),
      ...(rec.step ? { step: rec.step } : {}),
      ...(rec.progress !== undefined ? { progress: rec.progress } : {}),
      ...(rec.details !== undefined ? { details: rec.details } : {}),
      updatedAt: new Date(rec.updatedAt).toISOString(),
    });
  }

  #expired(doc: JobDocument): boolean {
    const now = this.#deps.clock.now();
    return doc.expiresAt !== undefined && now >= CLOCK_SANE_AFTER && Date.parse(doc.expiresAt) <= now;
  }

  #handler(type: string | undefined): JobHandler | undefined {
    return type ? (this.#deps.handlers[type as JobDocument['type']] as JobHandler | undefined) : undefined;
  }
}
