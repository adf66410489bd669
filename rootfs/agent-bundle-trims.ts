/**
 * What the device build leaves out of its dependencies (rootfs/agent-bundle.ts), each because the
 * agent provably never uses it; bench/bundle.bench.ts prints what is left and its size.
 */
import { dirname, join } from 'node:path';
import type { Plugin } from 'esbuild';

/**
 * zod's `locales`: the error messages of zod in 40-odd languages (~400 KB of the bundle), kept only
 * because `z.locales` and `z.core.locales` are namespace objects. The agent writes its own messages,
 * and zod's default, English (`locales/en.js`, which zod installs itself), is all it uses: the
 * namespace keeps `en` alone. A `z.config(z.locales.xx())` added one day fails the type-free bundle
 * only at that call (xx is undefined), and test/integration/bundle-content.test.ts runs the bundle.
 */
export const zodEnglishOnly: Plugin = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => {
      if (!/[\\/]node_modules[\\/]zod[\\/]v4[\\/]/.test(args.importer)) return undefined;
      return { path: join(dirname(args.importer), '../locales/en.js'), namespace: 'zod-locales-en' };
    });
    build.onLoad({ filter: /.*/, namespace: 'zod-locales-en' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};`,
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};

/**
 * glob (~100 KB): @fastify/static requires it at load, and calls it only with `wildcard: false`, to
 * list the files to serve; the web UI is served with `wildcard: true` (web/routes/ui.ts), so glob is
 * never called. In its place, a glob that says why it is missing should that option ever change.
 */
export const noGlobForStaticFiles: Plugin = {
  name: 'no-glob-for-static-files',
  setup(build) {
    build.onResolve({ filter: /^glob$/ }, (args) =>
      /[\\/]node_modules[\\/]@fastify[\\/]static[\\/]/.test(args.importer)
        ? { path: 'glob', namespace: 'no-glob' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'no-glob' }, () => ({
      contents:
        "exports.glob = () => { throw new Error('glob is not in the device build: @fastify/static must serve with wildcard: true (web/routes/ui.ts)'); };",
      loader: 'js',
    }));
  },
};

/** Every trim of the device build, in the order esbuild runs them. */
export const deviceTrims: Plugin[] = [zodEnglishOnly, noGlobForStaticFiles];
