/**
 * A small HTTP(S) server for the web part, on node:http and find-my-way (the router fastify uses):
 * routes with their config, a hook before the body is read (the guard), one that adds headers to
 * every answer, one error handler and one not-found handler. GET routes answer HEAD too. While it
 * closes, new requests get 503 (node still hands the app those arriving on a connection that was busy
 * when it closed). Every route is listed (`routes()`), for the guard's sweep test.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import FindMyWay from 'find-my-way';
import { ApiError } from '../errors.ts';
import { type BodyMode, readBody } from './body.ts';
import { Reply } from './reply.ts';
import { Request, type RouteConfig, type RouteTypes } from './request.ts';

export type Handler<T extends RouteTypes = RouteTypes> = (req: Request<T>, reply: Reply) => unknown;
export type RouteOptions = { config?: RouteConfig; bodyLimit?: number; body?: BodyMode };
export type RouteInfo = { method: string; url: string; public: boolean; scope?: RouteConfig['scope'] };

export type AppOptions = {
  bodyLimit: number;
  tls?: { key: string; cert: string };
  maxParamLength?: number;
  /** Before the body is read: throws (or returns) the error to answer instead. */
  onRequest?: (req: Request) => void | Promise<void>;
  /** Just before any answer's head is written (not for hijacked answers). */
  onSend?: (req: Request, reply: Reply) => void;
  onError: (err: unknown, req: Request, reply: Reply) => void;
  notFound: (req: Request, reply: Reply) => void;
  /** An error after the answer was sent or taken over (nothing can be answered any more). */
  onLateError?: (err: unknown, req: Request) => void;
};

type Route = { url: string; handler: Handler; options: RouteOptions };
type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
const ALL: Method[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const NO_ROUTE = { url: undefined, config: {} };

export class HttpApp {
  readonly server: Server;
  #opts: AppOptions;
  #router: ReturnType<typeof FindMyWay>;
  #routes: RouteInfo[] = [];
  #closing = false;

  constructor(opts: AppOptions) {
    this.#opts = opts;
    this.#router = FindMyWay({ maxParamLength: opts.maxParamLength ?? 100 });
    const handle = (raw: IncomingMessage, res: ServerResponse) => void this.#handle(raw, res);
    this.server = opts.tls
      ? createHttpsServer({ key: opts.tls.key, cert: opts.tls.cert }, handle)
      : createHttpServer(handle);
  }

  get<T extends RouteTypes = RouteTypes>(url: string, a: RouteOptions | Handler<T>, b?: Handler<T>): void {
    this.route(['GET'], url, a, b);
  }
  post<T extends RouteTypes = RouteTypes>(url: string, a: RouteOptions | Handler<T>, b?: Handler<T>): void {
    this.route(['POST'], url, a, b);
  }
  put<T extends RouteTypes = RouteTypes>(url: string, a: RouteOptions | Handler<T>, b?: Handler<T>): void {
    this.route(['PUT'], url, a, b);
  }
  patch<T extends RouteTypes = RouteTypes>(url: string, a: RouteOptions | Handler<T>, b?: Handler<T>): void {
    this.route(['PATCH'], url, a, b);
  }
  delete<T extends RouteTypes = RouteTypes>(url: string, a: RouteOptions | Handler<T>, b?: Handler<T>): void {
    this.route(['DELETE'], url, a, b);
  }
  all<T extends RouteTypes = RouteTypes>(url: string, a: RouteOptions | Handler<T>, b?: Handler<T>): void {
    this.route(ALL, url, a, b);
  }

  /** Registers `handler` for each method; a GET route answers HEAD too (unless HEAD has its own). */
  route<T extends RouteTypes = RouteTypes>(
    methods: Method[],
    url: string,
    a: RouteOptions | Handler<T>,
    b?: Handler<T>,
  ): void {
    const options = typeof a === 'function' ? {} : a;
    const handler = (typeof a === 'function' ? a : b) as Handler;
    if (!handler) throw new Error(`route ${url}: no handler`);
    const route: Route = { url, handler, options };
    const add = (method: Method) => {
      this.#router.on(method, url, () => {}, route);
      const c = options.config;
      this.#routes.push({ method, url, public: !!c?.public, ...(c?.scope ? { scope: c.scope } : {}) });
    };
    for (const m of methods) add(m);
    if (methods.includes('GET') && !methods.includes('HEAD') && !this.#router.hasRoute('HEAD', url)) add('HEAD');
  }

  /** Every route, in registration order (one entry per method). */
  routes(): RouteInfo[] {
    return [...this.#routes];
  }

  listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen({ host, port }, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
  }

  /**
   * Stops listening; requests in flight finish, idle keep-alive connections are closed. A connection
   * busy then stays open (node's keep-alive timeout, or the caller's closeIdleConnections): a request
   * arriving on it is answered 503 with `connection: close`.
   */
  close(): Promise<void> {
    this.#closing = true;
    if (!this.server.listening) return Promise.resolve();
    return new Promise((resolve, reject) => this.server.close((err) => (err ? reject(err) : resolve())));
  }

  async #handle(raw: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (raw.method ?? 'GET') as Method;
    const found = this.#router.find(method, raw.url ?? '/');
    const route = found?.store as Route | undefined;
    const req = new Request(
      raw,
      route ? { url: route.url, config: route.options.config ?? {} } : NO_ROUTE,
      (found?.params ?? {}) as Record<string, string | undefined>,
      (found?.searchParams ?? {}) as Record<string, string>,
    );
    const reply = new Reply(res, (r) => {
      if (bodyLeftUnread(raw)) r.header('connection', 'close'); // it is not read as the next request
      this.#opts.onSend?.(req, r);
    });
    try {
      if (this.#closing) {
        reply.header('connection', 'close');
        throw new ApiError('service_unavailable', 'the web server is restarting: try again');
      }
      if (!route) return this.#opts.notFound(req, reply);
      await this.#opts.onRequest?.(req);
      req.body = await readBody(raw, route.options.bodyLimit ?? this.#opts.bodyLimit, route.options.body);
      const result = await route.handler(req, reply);
      if (reply.sent) return;
      if (result === undefined) throw new Error(`route ${method} ${route.url} answered nothing`);
      reply.send(result);
    } catch (err) {
      if (reply.sent) return this.#opts.onLateError?.(err, req);
      try {
        this.#opts.onError(err, req, reply);
      } catch (fatal) {
        this.#opts.onLateError?.(fatal, req);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
        res.end('internal error\n');
      }
    }
  }
}

/**
 * The request has a body that was not read to its end (an answer before it: a refusal, 404, 413).
 * A request without one (most GETs) keeps its connection, though node marks it complete only once read.
 */
function bodyLeftUnread(raw: IncomingMessage): boolean {
  if (raw.complete) return false;
  return raw.headers['transfer-encoding'] !== undefined || Number(raw.headers['content-length'] ?? 0) > 0;
}
