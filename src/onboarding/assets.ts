import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** The form's one stylesheet and one script, read once, addressed by a hash of their bytes. */
export interface Asset {
  name: string;
  type: string;
  body: Buffer;
  /** Its URL, which changes whenever its bytes do, so browsers may cache it for good. */
  url: string;
}

// Beside the sources in src/onboarding/assets; the same path from dist/onboarding.
const folder = new URL('../../src/onboarding/assets/', import.meta.url);

function load(name: string, type: string): Asset {
  const body = readFileSync(new URL(name, folder));
  const version = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return { name, type, body, url: `/onboarding/assets/${name}?v=${version}` };
}

export const loadAssets = () => ({
  css: load('form.css', 'text/css; charset=utf-8'),
  js: load('form.js', 'text/javascript; charset=utf-8'),
});
