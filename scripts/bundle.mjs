// Bundles the CLI and server into one file, dist/bundle/onboard.cjs, and its launcher,
// dist/bundle/onboard.js (src/cli/launcher.ts), which runs it with V8's code cache. Node.js loads
// one file of 2 MB in a fraction of the time it takes to resolve and load the thousands of small
// modules that `tsc` leaves in dist/ (measured in docs/benchmarks.md: first answer 0.66 s ->
// 0.37 s). better-sqlite3 stays outside: it loads a native addon from its own folder.
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

await build({
  ...common,
  entryPoints: ['src/cli/main.ts'],
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
