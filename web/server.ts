/**
 * The web part as a module: loads the credentials, sessions and login lockouts, makes sure the device has its
 * certificate, and listens where the config says (web.port, and web.httpsPort with HTTPS on),
 * bound to the address given by the agent. A change of the web settings re-listens.
 */
import { networkInterfaces } from 'node:os';
import { errorMessage, type Module } from '../core/index.ts';
import { buildApp, buildRedirectApp, type RouteInfo } from './app.ts';
import { ApiUserStore, CredentialStore, LoginLimiter, SessionStore } from './auth/index.ts';
import type { WebDeps } from './deps.ts';
import { EventFeed, Subscriptions } from './events/index.ts';
import type { HttpApp } from './http/index.ts';
import type { RouteContext } from './routes/index.ts';
import { type DeviceCertificate, ensureDeviceCertificate } from './tls/index.ts';

/** How long requests in flight may take to finish when a listener closes. */
const CLOSE_GRACE_MS = 3000;

export type Listening = { url: string; secure: boolean; port: number };

/** What the routes share: the auth stores (on the data dir), the event feed, the live streams. */
function routeContext(deps: WebDeps, certificate: RouteContext['certificate']): RouteContext {
  const feed = new EventFeed({ bus: deps.bus, clock: deps.clock });
  return {
    deps,
    credentials: new CredentialStore({ dataDir: deps.dataDir, clock: deps.clock }),
    sessions: new SessionStore({ dataDir: deps.dataDir, clock: deps.clock }),
    apiUsers: new ApiUserStore({ dataDir: deps.dataDir, clock: deps.clock }),
    limiter: new LoginLimiter({ clock: deps.clock, dataDir: deps.dataDir }),
    feed,
    subscriptions: new Subscriptions({ feed, clock: deps.clock }),
    streams: new Set(),
    certificate,
    startedAt: deps.clock.now(),
  };
}

/**
 * Every route the web server registers with these deps (built, never listening, nothing loaded or
 * written): what the tests sweep over so that no route escapes the guard.
 */
export async function listRoutes(deps: WebDeps): Promise<RouteInfo[]> {
  const app = await buildApp(routeContext(deps, async () => undefined));
  return app.routes();
}

export class WebServer implements Module {
  readonly name = 'web';
  #deps: WebDeps;
  #ctx: RouteContext;
  #apps: HttpApp[] = [];
  #listening: Listening[] = [];
  #cert: Promise<DeviceCertificate> | undefined;
  #off: (() => void) | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #stopped = false;

  constructor(deps: WebDeps) {
    this.#deps = deps;
    this.#ctx = routeContext(deps, () => this.#certificate());
  }

  /** Where the server listens now (tests and the log). */
  get listening(): Listening[] {
    return this.#listening;
  }

  async start(): Promise<void> {
    this.#stopped = false;
    const { credentials, sessions, limiter, feed, subscriptions, apiUsers } = this.#ctx;
    await Promise.all([credentials.load(), sessions.load(), apiUsers.load()]);
    // An unreadable lockout file must not keep the admin out: start afresh, and say so.
    await limiter
      .load()
      .catch((err) =>
        this.#deps.log.error({ err }, `the login lockouts could not be read, starting afresh: ${errorMessage(err)}`),
      );
    feed.start();
    subscriptions.start();
    await this.#listen();
    // Not needed for the door (HTTPS is off, or it was read to listen): made or read once the API answers.
    this.#certificate().catch((err) =>
      this.#deps.log.error({ err }, `the device HTTPS certificate could not be made: ${errorMessage(err)}`),
    );
    const first = this.#listening[0]?.url;
    if (!credentials.isSetUp)
      this.#deps.log.warn(
        { setupCode: credentials.setupCode },
        `first-run setup: open ${first} and set the admin password with the one-time setup code ${credentials.setupCode}`,
      );
    this.#off = this.#deps.bus.on('config.changed', (change) => {
      if (change.keys.some((k) => k.startsWith('web.'))) setImmediate(() => this.#relisten());
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#off?.();
    await this.#cert?.catch(() => {});
    await this.#serialized(() => this.#close());
    this.#ctx.subscriptions.stop();
    this.#ctx.feed.stop();
    await this.#ctx.limiter
      .flush()
      .catch((err) => this.#deps.log.error({ err }, `the login lockouts could not be saved: ${errorMessage(err)}`));
  }

  /** The device's HTTPS certificate, read or made (once) on first need: HTTPS on, or the API asks. */
  #certificate(): Promise<DeviceCertificate> {
    this.#cert ??= ensureDeviceCertificate(this.#deps.dataDir, {
      name: this.#deps.config.get().identity.name,
      now: this.#deps.clock.now(),
    }).then(
      (cert) => {
        if (cert.generated)
          this.#deps.log.info({ fingerprint: cert.fingerprint256 }, 'generated the device HTTPS certificate');
        return cert;
      },
      (err) => {
        this.#cert = undefined; // tried again on next need
        throw err;
      },
    );
    return this.#cert;
  }

  #serialized(fn: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => {});
    return run;
  }

  #relisten(): Promise<void> {
    return this.#serialized(async () => {
      if (this.#stopped) return;
      this.#deps.log.info('web settings changed: listening again');
      await this.#close();
      await this.#listen().catch((err) =>
        this.#deps.log.error({ err }, `the web server cannot listen with the new settings: ${errorMessage(err)}`),
      );
    });
  }

  async #listen(): Promise<void> {
    const web = this.#deps.config.get().web;
    const host = this.#deps.bind;
    const plan: { app: HttpApp; port: number; secure: boolean }[] = [];
    if (web.https) {
      const cert = await this.#certificate();
      plan.push({
        app: await buildApp(this.#ctx, { key: cert.key, cert: cert.cert }),
        port: web.httpsPort,
        secure: true,
      });
      plan.push({
        app: buildRedirectApp(web.httpsPort, host === '0.0.0.0' ? '127.0.0.1' : host),
        port: web.port,
        secure: false,
      });
    } else {
      plan.push({ app: await buildApp(this.#ctx), port: web.port, secure: false });
    }
    try {
      for (const p of plan) {
        await p.app.listen(host, p.port);
        this.#apps.push(p.app);
        for (const url of urls(host, p.port, p.secure)) this.#listening.push({ url, secure: p.secure, port: p.port });
      }
    } catch (err) {
      await this.#close();
      for (const p of plan) await p.app.close().catch(() => {});
      throw err;
    }
    this.#deps.log.info({ urls: this.#listening.map((l) => l.url) }, 'web UI and API listening');
  }

  async #close(): Promise<void> {
    const apps = this.#apps.splice(0);
    this.#listening = [];
    await Promise.all(apps.map((a) => this.#closeApp(a)));
  }

  /**
   * Closes a listener: requests in flight finish (a PATCH that moved the port gets its answer),
   * keep-alive connections are closed as soon as they are idle, and after a grace time all are.
   */
  async #closeApp(app: HttpApp): Promise<void> {
    const server = app.server;
    const idle = setInterval(() => server.closeIdleConnections(), 50);
    const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
    try {
      await app.close();
    } catch (err) {
      this.#deps.log.warn({ err }, 'web server close failed');
    } finally {
      clearInterval(idle);
      clearTimeout(force);
    }
  }
}

function urls(host: string, port: number, secure: boolean): string[] {
  const scheme = secure ? 'https' : 'http';
  if (host !== '0.0.0.0' && host !== '::') return [`${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}/`];
  const ips = Object.values(networkInterfaces())
    .flatMap((l) => l ?? [])
    .filter((i) => i.family === 'IPv4')
    .map((i) => i.address);
  return ips.map((ip) => `${scheme}://${ip}:${port}/`);
}
