import type { CompiledQuery, DialectAdapter, QueryResult } from 'kysely';
import type { Executor } from './schema.js';

/** Stands for one named value while a query is compiled; each run binds the caller's value there. */
class Slot {
  constructor(readonly name: string) {}

  // A slot can only be bound whole: one turned into text or arithmetic would bind garbage.
  [Symbol.toPrimitive](): never {
    throw new Error(`compiledOnce: ${this.name} must be used as a value, not computed with`);
  }
}

interface Template {
  compiled: CompiledQuery;
  /** The values the query was compiled with: a run that gives another is a mistake. */
  keys: Set<string>;
  /** For each parameter, the name of the value that fills it, or null for a constant of the query. */
  names: (string | null)[];
}

/** A query builder or a raw `sql` query: both compile (a builder ignores the argument). */
type Query<Row> = { compile(db: Executor): CompiledQuery<Row> };

/**
 * Runs a query compiled once with new values; the result is Kysely's, as `executeQuery` gives it.
 * `query` gives the same query without running it (for a transaction's last statement, EndWith).
 */
export type CompiledQueryRunner<Values, Row> = ((db: Executor, values: Values) => Promise<QueryResult<Row>>) & {
  query: (db: Executor, values: Values) => CompiledQuery<Row>;
};

/**
 * A query built and compiled once per database, then only given new values: building and
 * compiling a query with Kysely costs 3–13 µs, about a tenth of a create's CPU (see
 * docs/benchmarks.md, finding #24). `build` is called once, with `values` whose every property
 * stands for itself; the query must use each as a value (a column's, an operand's), and its shape
 * must not depend on them: no `in` list whose length varies, no clause that is there only for
 * some values. Every run must give the values the first run gave, no more (an `undefined` is
 * refused, where Kysely would leave the column out). Kysely instances made `withPlugin` or
 * `withSchema` share their adapter and would share the SQL too: none is used here.
 */
export function compiledOnce<Values extends object, Row = unknown>(
  build: (db: Executor, values: Values) => Query<Row>,
): CompiledQueryRunner<Values, Row> {
  // Per dialect: SQLite and PostgreSQL spell the same query differently.
  const templates = new WeakMap<DialectAdapter, Template>();
  const query = (db: Executor, values: Values): CompiledQuery<Row> => {
    const adapter = db.getExecutor().adapter;
    let template = templates.get(adapter);
    if (!template) {
      template = compileTemplate(db, build, Object.keys(values));
      templates.set(adapter, template);
    }
    const { compiled, names, keys } = template;
    for (const key in values) {
      if (!keys.has(key)) throw new Error(`compiledOnce: ${key} has no place in the query`);
    }
    const parameters = names.map((name, i) => {
      if (name === null) return compiled.parameters[i];
      const value = (values as Record<string, unknown>)[name];
      if (value === undefined) throw new Error(`compiledOnce: no value for ${name}`);
      return value;
    });
    return { ...compiled, parameters } as CompiledQuery<Row>;
  };
  return Object.assign(async (db: Executor, values: Values) => db.executeQuery<Row>(query(db, values)), { query });
}

/**
 * `compiledOnce` for a query with optional clauses: one compiled query per shape (which clauses
 * are there), made the first time that shape runs. `keyOf` names a shape; there must be few.
 */
export function compiledPerShape<Shape, Values extends object, Row = unknown>(
  keyOf: (shape: Shape) => string,
  build: (db: Executor, values: Values, shape: Shape) => Query<Row>,
): (db: Executor, shape: Shape, values: Values) => Promise<QueryResult<Row>> {
  const runners = new Map<string, CompiledQueryRunner<Values, Row>>();
  return (db, shape, values) => {
    const key = keyOf(shape);
    let run = runners.get(key);
    if (!run) {
      run = compiledOnce((db, values: Values) => build(db, values, shape));
      runners.set(key, run);
    }
    return run(db, values);
  };
}

function compileTemplate<Values>(
  db: Executor,
  build: (db: Executor, values: Values) => Query<unknown>,
  names: string[],
): Template {
  const slots = Object.fromEntries(names.map((name) => [name, new Slot(name)])) as Values;
  const compiled = build(db, slots).compile(db);
  return {
    compiled,
    keys: new Set(names),
    names: compiled.parameters.map((parameter) => (parameter instanceof Slot ? parameter.name : null)),
  };
}
