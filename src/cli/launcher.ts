#!/usr/bin/env node
/**
 * `dist/bundle/onboard.js`, the `onboard` bin: runs the bundle beside it (`onboard.cjs`) with
 * V8's code cache, and with V8's heap set for a server (below). Compiling the bundle's 2 MB was
 * the largest part of a start (see docs/benchmarks.md, finding #46); Node.js 20 keeps no compile
 * cache of its own, so a server writes one next to the bundle once it has run for two seconds,
 * with the functions its start and first requests compiled, and every later start, the CLI's
 * included, reads it. V8 rejects a cache made from another source or by another version or with
 * other flags; the bundle is then compiled as if there were none, and a server writes a new one.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { Script } from 'node:vm';

const bundle = fileURLToPath(new URL('./onboard.cjs', import.meta.url));
const cacheFile = `${bundle}.cache`;
/** Long enough for a server to have started, and to have answered its first requests if it has any. */
const writeAfterMs = 2_000;

function readCache(): Buffer | undefined {
  try {
    return readFileSync(cacheFile);
  } catch {
    return undefined;
  }
}

/** Best effort: a bundle installed read-only starts as fast as it did before, without a cache. */
function writeCache(script: Script): void {
  const temporary = `${cacheFile}.${process.pid}`;
  try {
    // Written whole, then renamed: a process starting meanwhile reads the old cache or the new.
    writeFileSync(temporary, script.createCachedData());
    renameSync(temporary, cacheFile);
  } catch {
    rmSync(temporary, { force: true });
  }
}

/**
 * V8's heap, set for a server whose objects live as long as a request (finding #47 in
 * docs/benchmarks.md). Allocation-site pretenuring decides, once and for good, to allocate an
 * object literal's objects straight in the old space when most of them survived one young
 * collection under load: pg's rows did, and then every page of rows, with its strings, waited for
 * a full collection. And between full collections the old space grows by half of what was live,
 * instead of up to four times it. Set before the bundle is compiled: V8 accepts a code cache only
 * under the flags it was made with.
 */
for (const flag of ['--no-allocation-site-pretenuring', '--heap-growing-percent=50']) setFlagsFromString(flag);

// The shebang esbuild keeps would be a syntax error inside the function; the line stays, empty.
const source = readFileSync(bundle, 'utf8').replace(/^#!.*/, '');
const cachedData = readCache();
// CommonJS's own wrapper, plus the URL the bundle's `import.meta.url` was replaced with.
const script = new Script(`(function (exports, require, module, __filename, __dirname, importMetaUrl) {${source}\n})`, {
  filename: bundle,
  cachedData,
});
if (cachedData === undefined || script.cachedDataRejected) {
  // The timer does not keep a short command alive: only a process still running writes.
  setTimeout(() => writeCache(script), writeAfterMs).unref();
}
const module = { exports: {} };
script.runInThisContext()(
  module.exports,
  createRequire(bundle),
  module,
  bundle,
  path.dirname(bundle),
  pathToFileURL(bundle).href,
);
