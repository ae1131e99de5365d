/** A result row as Kysely expects it: one property per column. */
export type Row = Record<string, unknown>;

/** Turns a column's value as the driver read it into the value a row holds (a type parser). */
export type ColumnParser = (value: string) => unknown;

/**
 * Compiles a function that makes a row object from the values of one result row, in column
 * order: one object literal, so that every row of a statement has the same shape from birth.
 * Drivers that build a row property by property (better-sqlite3 in C++, pg from a spread
 * template) spent most of a short list's time on it. Names are quoted with JSON.stringify, so any
 * column name is a plain own property (a `__proto__` column as a computed key, which does not
 * set the prototype); as with both drivers, a later column of the same name wins. A column with
 * a parser gets the parser's value, and null stays null.
 */
export function compileRowMaker(
  columns: readonly string[],
  parsers: readonly (ColumnParser | null)[] = [],
): (values: readonly unknown[]) => Row {
  const fields = columns.map((name, i) => {
    const key = JSON.stringify(name);
    const value = parsers[i] ? `values[${i}] === null ? null : parsers[${i}](values[${i}])` : `values[${i}]`;
    return `${name === '__proto__' ? `[${key}]` : key}: ${value}`;
  });
  const compile = new Function('parsers', `return (values) => ({ ${fields.join(', ')} });`);
  return compile(parsers) as (values: readonly unknown[]) => Row;
}
