/** What a route handler reads of a request: the matched route, params, query, cookies, the parsed body, who asks. */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { parseCookie } from 'cookie';
import type { Principal, RouteScope } from '../auth/index.ts';

/** What a route declares for the guard (web/app.ts). */
export type RouteConfig = {
  /** Reachable without logging in (login, first-run setup, auth state, the UI's files). */
  public?: boolean;
  /**
   * What an API token needs for this route (web/auth/scopes.ts); unset = `read` for GET/HEAD,
   * `admin` for a change. `session`: the admin's logged-in session only, never a token.
   */
  scope?: RouteScope;
};

/** The types a route gives its params and query (`app.get<{ Params: { id: string } }>(...)`). */
export type RouteTypes = { Params?: Record<string, string>; Querystring?: Record<string, unknown> };

type Query = Record<string, string | string[] | undefined>;

export class Request<T extends RouteTypes = RouteTypes> {
  readonly raw: IncomingMessage;
  readonly method: string;
  /** The URL as sent (path and query). */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The peer's address (no proxy is trusted). */
  readonly ip: string;
  readonly protocol: 'http' | 'https';
  readonly params: T['Params'] extends object ? T['Params'] : Record<string, string>;
  readonly query: T['Querystring'] extends object ? T['Querystring'] : Query;
  /** The route that matched (its pattern, undefined for none) and what it declares. */
  readonly routeOptions: { url: string | undefined; config: RouteConfig };
  /** The parsed body: JSON, text, a Buffer, or the stream itself for a streamed upload. */
  body: unknown;
  /** Set by the guard once it has accepted the request. */
  principal: Principal | null = null;
  #cookies: Record<string, string | undefined> | undefined;

  constructor(
    raw: IncomingMessage,
    route: { url: string | undefined; config: RouteConfig },
    params: Record<string, string | undefined>,
    query: Query,
  ) {
    this.raw = raw;
    this.method = raw.method ?? 'GET';
    this.url = raw.url ?? '/';
    this.headers = raw.headers;
    this.ip = raw.socket.remoteAddress ?? '';
    this.protocol = (raw.socket as TLSSocket).encrypted ? 'https' : 'http';
    this.params = params as this['params'];
    this.query = query as this['query'];
    this.routeOptions = route;
  }

  get cookies(): Record<string, string | undefined> {
    this.#cookies ??= this.headers.cookie ? parseCookie(this.headers.cookie) : {};
    return this.#cookies;
  }
}
