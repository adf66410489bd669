/** The local web UI and HTTP API of the agent (fastify; the UI is built into static assets). */
export type { WebDeps } from './deps.ts';
export { ApiError, type ErrorCode } from './errors.ts';
export { type Listening, WebServer } from './server.ts';
