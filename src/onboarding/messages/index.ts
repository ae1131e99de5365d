import { en } from './en.js';
import { es } from './es.js';

type Catalog<T> = { [K in keyof T]: T[K] extends (...args: infer A) => string ? (...args: A) => string : string };

/** The shape every catalog has: English's keys, with any words. */
export type Messages = Catalog<typeof en>;
export type Lang = 'en' | 'es';
export type MessageKey = { [K in keyof Messages]: Messages[K] extends string ? K : never }[keyof Messages];

export const catalogs: Record<Lang, Messages> = { en, es };
export const languages = Object.keys(catalogs) as Lang[];

export const isLang = (value: unknown): value is Lang => typeof value === 'string' && value in catalogs;

/** The customer's language: an explicit choice, else the first of Accept-Language we speak. */
export function chooseLanguage(explicit: unknown, acceptLanguage: string | undefined, saved?: Lang): Lang {
  if (isLang(explicit)) return explicit;
  if (saved) return saved;
  const wanted = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.find((p) => p.trim().startsWith('q='));
      return { lang: tag.trim().toLowerCase().split('-')[0] ?? '', q: q ? Number(q.trim().slice(2)) : 1 };
    })
    .filter((w) => w.q > 0)
    .sort((a, b) => b.q - a.q);
  return wanted.map((w) => w.lang).find(isLang) ?? 'en';
}
