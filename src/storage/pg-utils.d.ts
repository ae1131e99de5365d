/** pg's own helpers (node_modules/pg/lib/utils.js), which @types/pg does not declare. */
declare module 'pg/lib/utils.js' {
  const utils: {
    /** How pg turns a JavaScript value into a parameter's text (dates, buffers, arrays, JSON). */
    prepareValue(value: unknown): unknown;
  };
  export default utils;
}
