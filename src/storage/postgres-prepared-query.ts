/// <reference path="./pg-utils.d.ts" />
import pg from 'pg';
import pgUtils from 'pg/lib/utils.js';
import { type ColumnParser, compileRowMaker, type Row } from './row-maker.js';

/** What pg's Connection (lib/connection.js) offers a query; @types/pg does not declare it. */
interface WireConnection {
  parsedStatements: Record<string, string | undefined>;
  bind(message: {
    portal: string;
    statement: string;
    values: unknown[];
    binary: boolean | undefined;
    valueMapper: (value: unknown) => unknown;
  }): void;
  execute(message: { portal: string }): void;
  sync(): void;
}

interface FieldDescription {
  name: string;
  format: string;
}

/** The parts of pg's Query (lib/query.js) built on here; @types/pg does not declare them. */
interface QueryInternals extends pg.Submittable {
  name: string | undefined;
  text: string;
  values: unknown[];
  portal: string;
  binary: boolean | undefined;
  _canceledDueToError: unknown;
  _result: { fields: FieldDescription[]; _parsers: ColumnParser[] | undefined; rows: Row[] };
  prepare(connection: WireConnection): void;
  handleDataRow(message: { fields: (string | null)[] }): void;
  handleCommandComplete(message: unknown, connection: WireConnection): void;
  handleError(error: unknown, connection: WireConnection): void;
}

type QueryCallback = (error: Error | undefined, result: pg.QueryResult) => void;

// A subclass, because pg in pipeline mode runs no query object that is not one of its own.
const Query = pg.Query as unknown as new (text: string, values: unknown[], callback: QueryCallback) => QueryInternals;

/** pg's parser for text: it returns the string it is given, so rows need not call it. */
const textParser = pg.types.getTypeParser(25, 'text');

/** How each prepared statement's rows are made on one connection, learnt from its first run there. */
export type RowShapes = Map<string, (values: readonly unknown[]) => Row>;

/**
 * A run of a named statement, as pg runs it but for what pg repeats at every run (finding #48).
 * pg asks PostgreSQL to describe the result every time (a Describe message), then builds the
 * row's parsers and an empty row from the description before the first row, and copies that
 * empty row for each one. Here, the first successful run of a statement on a connection learns
 * its columns and compiles a row maker (see compileRowMaker) into that connection's RowShapes;
 * later runs on that connection send Bind, Execute and Sync without the Describe, and make each
 * row with it. A prepared statement's columns cannot change under it: when a migration changes
 * them, PostgreSQL fails the run (`cached plan must not change result type`) and the statement
 * is prepared again under a new name (see PreparingClient).
 */
export class PreparedQuery extends Query {
  /** Always given, by the constructor. */
  declare name: string;
  private readonly makeRow: ((values: readonly unknown[]) => Row) | undefined;

  constructor(
    name: string,
    text: string,
    values: unknown[],
    private readonly shapes: RowShapes,
    callback: QueryCallback,
  ) {
    // The text, not a config object: pg copies every property descriptor of a config.
    super(text, values, callback);
    this.name = name;
    this.makeRow = shapes.get(name);
  }

  override prepare(connection: WireConnection): void {
    if (this.makeRow === undefined || connection.parsedStatements[this.name] !== this.text) {
      super.prepare(connection);
      return;
    }
    try {
      connection.bind({
        portal: this.portal,
        statement: this.name,
        values: this.values,
        binary: this.binary,
        valueMapper: pgUtils.prepareValue,
      });
    } catch (error) {
      // Nothing of this run was sent; the Sync keeps the pipeline's answers in step.
      connection.sync();
      this.handleError(error, connection);
      return;
    }
    connection.execute({ portal: this.portal });
    connection.sync();
  }

  override handleDataRow(message: { fields: (string | null)[] }): void {
    if (this.makeRow === undefined) {
      super.handleDataRow(message);
      return;
    }
    if (this._canceledDueToError) return;
    try {
      this._result.rows.push(this.makeRow(message.fields));
    } catch (error) {
      this._canceledDueToError = error;
    }
  }

  /** Only a run that succeeded teaches the shape: one that failed may have had no description. */
  override handleCommandComplete(message: unknown, connection: WireConnection): void {
    super.handleCommandComplete(message, connection);
    if (this.makeRow !== undefined || this._canceledDueToError) return;
    const { fields, _parsers: parsers = [] } = this._result;
    // Binary columns are converted by pg in its own way; such statements keep pg's path.
    if (fields.some((field) => field.format !== 'text')) return;
    this.shapes.set(
      this.name,
      compileRowMaker(
        fields.map((field) => field.name),
        parsers.map((parser) => (parser === textParser ? null : parser)),
      ),
    );
  }
}
