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

/** Every trim of the device build, in the order esbuild runs them. */
export const deviceTrims: Plugin[] = [zodEnglishOnly];
