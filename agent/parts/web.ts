/** The web part: the local web UI and HTTP API, listening where the config says (web.port, HTTPS optional). */
import { fileURLToPath } from 'node:url';
import { WebServer } from '../../web/index.ts';
import type { Part } from '../context.ts';
import { VERSION } from '../version.ts';

/** Where `make ui` puts the built UI. */
export const UI_DIR = fileURLToPath(new URL('../../build/ui', import.meta.url));

export const webPart: Part = (ctx) => [
  new WebServer({
    config: ctx.config,
    bus: ctx.bus,
    clock: ctx.clock,
    log: ctx.log.child({ module: 'web' }),
    services: ctx.services,
    dataDir: ctx.options.dataDir,
    dev: ctx.options.dev,
    bind: ctx.options.bind ?? (ctx.options.dev ? '127.0.0.1' : '0.0.0.0'),
    hal: ctx.options.hal,
    version: VERSION,
    uiDir: UI_DIR,
    restart: ctx.restart,
  }),
];
