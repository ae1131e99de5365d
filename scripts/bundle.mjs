// Bundles the CLI and server into one file, dist/bundle/onboard.cjs, and its launcher,
// dist/bundle/onboard.js (src/cli/launcher.ts), which runs it with V8's code cache. Node.js loads
// one file of 2 MB in a fraction of the time it takes to resolve and load the thousands of small
// modules that `tsc` leaves in dist/ (measured in docs/benchmarks.md: first answer 0.66 s ->
// 0.37 s). better-sqlite3 stays outside: it loads a native addon from its own folder.
import { readFile } from 'node:fs/promises';
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  // Comments and indentation out, names kept (stack traces stay readable). All ASCII: V8 holds a
  // script's source in memory for as long as it runs, at two bytes a character if any is not.
  minifyWhitespace: true,
  legalComments: 'none',
  charset: 'ascii',
  logLevel: 'warning',
};

/**
 * pg decides when it loads whether it runs in a Cloudflare Worker, by making a fetch `Response`:
 * on Node.js 20, which has no `navigator`, that loads undici, a tenth of a start (finding #49).
 * This bundle runs on Node.js only, so pg gets its Node.js streams at once. The build fails if
 * pg's code changes, rather than shipping without this.
 */
const nodeStreamsForPg = {
  name: 'node-streams-for-pg',
  setup(bundle) {
    bundle.onLoad({ filter: /[\\/]pg[\\/]lib[\\/]stream\.js$/ }, async ({ path }) => {
      const source = await readFile(path, 'utf8');
      const choice = 'const { getStream, getSecureStream } = getStreamFuncs()';
      if (!source.includes(choice)) throw new Error(`pg's lib/stream.js no longer reads "${choice}": see ${path}`);
      return {
        contents: source.replace(choice, choice.replace('getStreamFuncs', 'getNodejsStreamFuncs')),
        loader: 'js',
      };
    });
  },
};

await build({
  ...common,
  entryPoints: ['src/cli/main.ts'],
  plugins: [nodeStreamsForPg],
  outfile: 'dist/bundle/onboard.cjs',
  // CommonJS, which the launcher can compile as a vm.Script with a code cache; an ES module
  // cannot be given one on Node.js 20.
  format: 'cjs',
  external: ['better-sqlite3', 'pg-native'],
  // The launcher passes the bundle's own URL, which the sources read as import.meta.url.
  define: { 'import.meta.url': 'importMetaUrl' },
});

await build({
  ...common,
  entryPoints: ['src/cli/launcher.ts'],
  outfile: 'dist/bundle/onboard.js',
  format: 'esm',
});
