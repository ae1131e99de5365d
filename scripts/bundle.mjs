// Bundles the CLI and server into one file, dist/bundle/onboard.js. Node.js loads one file of
// 4 MB in a fraction of the time it takes to resolve and load the thousands of small modules
// that `tsc` leaves in dist/ (measured in docs/benchmarks.md: first answer 0.66 s -> 0.37 s).
// better-sqlite3 stays outside: it loads a native addon from its own folder.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/bundle/onboard.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3', 'pg-native'],
  // CommonJS dependencies call require(); an ES module has none of its own.
  banner: {
    js: "import { createRequire as createRequireForBundle } from 'node:module'; const require = createRequireForBundle(import.meta.url);",
  },
  // Comments and indentation out, names kept (stack traces stay readable). All ASCII: V8 holds a
  // script's source in memory for as long as it runs, at two bytes a character if any is not.
  minifyWhitespace: true,
  legalComments: 'none',
  charset: 'ascii',
  logLevel: 'warning',
});
