/**
 * The persisted configuration: versioned JSON in the data dir, every write atomic with the last
 * good copy kept, changes all or nothing, writers serialized within and across processes.
 */
import { watch as fsWatch } from 'node:fs';
import { appendFile, copyFile, mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type Clock, errorMessage, type Logger, TypedEmitter } from '../../core/index.ts';
import { fsyncDir, writeFileAtomic } from './atomic-file.ts';
import { withFileLock } from './lock.ts';
import { currentVersion, MIGRATIONS, type Migration, migrate } from './migrations.ts';
import { changedKeys, mergePatch } from './patch.ts';
import { type Config, defaultConfig } from './schema/index.ts';
import { ConfigError, formatProblems, validateConfig } from './validate.ts';

export type ConfigChange = {
  /** Dotted keys of the settings that changed, e.g. `intercom.maxCallTime`. */
  keys: string[];
  config: Config;
  previous: Config;
  /** Who changed it: `api`, `autop`, `cli`, `external` (another process), ... */
  source: string;
};

export type LoadReport = {
  from: 'file' | 'previous' | 'defaults';
  /** Problems found on the way, one readable line each. */
  warnings: string[];
  migratedFrom?: number;
};

export type StoreOptions = { dataDir: string; clock: Clock; log: Logger; migrations?: Migration[] };

type Stamp = { ino: number; mtimeMs: number; size: number };
type Read = { ok: true; config: Config; version: number } | { ok: false; missing: boolean; reason: string };

export class StoreError extends Error {}

export class ConfigStore {
  readonly events = new TypedEmitter<{ changed: ConfigChange }>();
  readonly file: string;
  readonly previousFile: string;
  #opts: StoreOptions;
  #steps: Migration[];
  #config: Config | undefined;
  #stamp: Stamp | undefined;
  /** The file on disk is not a good copy: do not keep it as the previous one on the next write. */
  #fileIsBad = false;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(opts: StoreOptions) {
    this.#opts = opts;
    this.#steps = opts.migrations ?? MIGRATIONS;
    this.file = join(opts.dataDir, 'config.json');
    this.previousFile = join(opts.dataDir, 'config.prev.json');
  }

  get version(): number {
    return currentVersion(this.#steps);
  }

  /** The config in force. */
  get(): Config {
    if (!this.#config) throw new Error('config store is not loaded');
    return this.#config;
  }

  /** Reads the config from disk: the current file, else the last good copy, else defaults on first run. */
  load(): Promise<LoadReport> {
    return this.#serialized(async () => {
      await mkdir(this.#opts.dataDir, { recursive: true, mode: 0o700 });
      return withFileLock(this.#lockFile, this.#opts.clock, () => this.#loadLocked());
    });
  }

  /** Merges `patch` into the config, validates the whole result, and writes it; nothing changes if invalid. */
  apply(patch: unknown, source = 'api'): Promise<ConfigChange> {
    return this.update((c) => mergePatch(c, patch), source);
  }

  /** Replaces the whole config (missing settings take their defaults). */
  replace(next: unknown, source = 'api'): Promise<ConfigChange> {
    return this.update(() => next, source);
  }

  /** Computes the next config from the current one, under the lock, all or nothing. */
  update(next: (current: Config) => unknown, source: string): Promise<ConfigChange> {
    return this.#serialized(() =>
      withFileLock(this.#lockFile, this.#opts.clock, async () => {
        await this.#catchUpWithDisk();
        const previous = this.get();
        const r = validateConfig(next(structuredClone(previous)));
        if (!r.ok) throw new ConfigError(r.problems);
        const keys = changedKeys(previous, r.config);
        if (keys.length === 0) return { keys, config: previous, previous, source };
        await this.#write(r.config);
        this.#config = r.config;
        const change = { keys, config: r.config, previous, source };
        this.events.emit('changed', change);
        return change;
      }),
    );
  }

  /** Follows changes written by other processes (e.g. `portier config set` while the agent runs). */
  watch(): () => void {
    let timer: ReturnType<Clock['setTimeout']> | undefined;
    const watcher = fsWatch(this.#opts.dataDir, (_event, name) => {
      if (name !== 'config.json') return;
      this.#opts.clock.clearTimeout(timer);
      timer = this.#opts.clock.setTimeout(() => {
        this.#serialized(() => this.#catchUpWithDisk()).catch((err) =>
          this.#opts.log.warn({ err }, 'could not reload the config changed on disk'),
        );
      }, 30);
    });
    return () => {
      this.#opts.clock.clearTimeout(timer);
      watcher.close();
    };
  }

  get #lockFile(): string {
    return join(this.#opts.dataDir, 'config.lock');
  }

  #serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => {});
    return run;
  }

  async #loadLocked(): Promise<LoadReport> {
    const warnings: string[] = [];
    const cur = await this.#read(this.file);
    if (cur.ok) {
      this.#config = cur.config;
      this.#fileIsBad = false;
      this.#stamp = await this.#statFile();
      if (cur.version < this.version) {
        await this.#recordMigration(cur.version);
        await this.#write(cur.config);
        return { from: 'file', warnings, migratedFrom: cur.version };
      }
      return { from: 'file', warnings };
    }
    if (!cur.missing) warnings.push(`config.json: ${cur.reason}`);
    const prev = await this.#read(this.previousFile);
    if (prev.ok) {
      warnings.push(
        cur.missing
          ? 'config.json is missing; using the last good copy config.prev.json'
          : 'using the last good copy config.prev.json',
      );
      this.#config = prev.config;
      this.#fileIsBad = !cur.missing;
      this.#stamp = await this.#statFile();
      if (!cur.missing) await copyFile(this.file, join(this.#opts.dataDir, 'config.corrupt.json')).catch(() => {});
      if (prev.version < this.version) await this.#recordMigration(prev.version);
      await this.#write(prev.config);
      return { from: 'previous', warnings, migratedFrom: prev.version < this.version ? prev.version : undefined };
    }
    if (cur.missing && prev.missing) {
      this.#config = defaultConfig();
      return { from: 'defaults', warnings };
    }
    if (!prev.missing) warnings.push(`config.prev.json: ${prev.reason}`);
    throw new StoreError(
      `no usable config in ${this.#opts.dataDir}:\n${warnings.join('\n')}\n` +
        'Nothing was reset. Restore a backup, or remove config.json and config.prev.json to start from defaults.',
    );
  }

  async #read(file: string): Promise<Read> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ok: false, missing: true, reason: 'missing' };
      return { ok: false, missing: false, reason: errorMessage(err) };
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      return {
        ok: false,
        missing: false,
        reason: `not valid JSON (${errorMessage(err)}); the file is truncated or corrupt`,
      };
    }
    const { version, config } = (doc ?? {}) as { version?: unknown; config?: unknown };
    if (typeof version !== 'number' || typeof config !== 'object' || config === null)
      return { ok: false, missing: false, reason: 'not a Portier config file (no version and config)' };
    let migrated: Record<string, unknown>;
    try {
      migrated = migrate(config as Record<string, unknown>, version, this.#steps).config;
    } catch (err) {
      return { ok: false, missing: false, reason: errorMessage(err) };
    }
    const r = validateConfig(migrated);
    if (!r.ok) return { ok: false, missing: false, reason: `invalid settings:\n${formatProblems(r.problems)}` };
    return { ok: true, config: r.config, version };
  }

  async #recordMigration(fromVersion: number): Promise<void> {
    const backup = join(this.#opts.dataDir, `config.v${fromVersion}.json`);
    await copyFile(this.file, backup).catch(() => copyFile(this.previousFile, backup));
    const lines = this.#steps
      .filter((s) => s.from >= fromVersion)
      .map(
        (s) =>
          `${new Date(this.#opts.clock.now()).toISOString()} config v${s.from} -> v${s.from + 1}: ${s.describe} (backup: config.v${fromVersion}.json)\n`,
      );
    await appendFile(join(this.#opts.dataDir, 'migrations.log'), lines.join(''));
    await fsyncDir(this.#opts.dataDir);
    this.#opts.log.info({ from: fromVersion, to: this.version }, 'config migrated');
  }

  async #write(config: Config): Promise<void> {
    const doc = { version: this.version, savedAt: new Date(this.#opts.clock.now()).toISOString(), config };
    await writeFileAtomic(this.file, `${JSON.stringify(doc, null, 2)}\n`, {
      previous: this.#fileIsBad ? undefined : this.previousFile,
    });
    this.#fileIsBad = false;
    this.#stamp = await this.#statFile();
  }

  async #statFile(): Promise<Stamp | undefined> {
    const s = await stat(this.file).catch(() => undefined);
    return s && { ino: s.ino, mtimeMs: s.mtimeMs, size: s.size };
  }

  /** If another process wrote the file since we last did, take its config (and tell listeners). */
  async #catchUpWithDisk(): Promise<void> {
    const s = await this.#statFile();
    const k = this.#stamp;
    if (!s || (k && s.ino === k.ino && s.mtimeMs === k.mtimeMs && s.size === k.size)) return;
    const r = await this.#read(this.file);
    if (!r.ok) {
      this.#opts.log.warn(
        { reason: r.reason },
        'config.json changed on disk but is not valid; keeping the config in force',
      );
      return;
    }
    this.#stamp = s;
    const previous = this.get();
    const keys = changedKeys(previous, r.config);
    this.#config = r.config;
    if (keys.length) this.events.emit('changed', { keys, config: r.config, previous, source: 'external' });
  }
}
