/** The local web UI and HTTP API of the agent (node:http with find-my-way, web/http; the UI is built into static assets). */

export type { RouteInfo } from './app.ts';
export type { WebDeps } from './deps.ts';
export { ApiError, type ErrorCode } from './errors.ts';
export { type Listening, listRoutes, WebServer } from './server.ts';
