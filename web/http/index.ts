/** The HTTP layer of the web part: node:http(s), find-my-way routes, request bodies, static files. */
export { type AppOptions, type Handler, HttpApp, type RouteInfo, type RouteOptions } from './app.ts';
export { type BodyMode, parseJson } from './body.ts';
export { Reply } from './reply.ts';
export { Request, type RouteConfig, type RouteTypes } from './request.ts';
export { type StaticOptions, serveFile } from './static-files.ts';
