/**
 * The one place that talks to mingo. Query matching, update operators, projection, sorting and
 * aggregation all come from mingo, so their semantics are MongoDB's as mingo implements them;
 * this module only chooses the fastest mingo entry point for each job and adapts its API.
 *
 * The default `mingo` entry point preloads every query, projection, expression, accumulator and
 * pipeline operator into its context, so nothing needs registering for Query/Aggregator. The
 * update operators are imported from `mingo/operators/update` and applied one by one, because
 * `mingo/updater`'s convenience functions rebuild an operator context on every call (~16 µs,
 * too slow for a 50 000-op upsert batch); the generic updater is still used for positional
 * (`$`, `$[]`, `$[id]`) paths and pipeline-style updates, which need the query and array filters.
 */
import { Aggregator, Query } from 'mingo';
import * as updateOperators from 'mingo/operators/update';
import { updateOne } from 'mingo/updater';
import { compare } from 'mingo/util';
import { CommandError, ErrorCodes, formatValue } from './errors.ts';
import { cloneValue, type Document, isPlainObject } from './values.ts';

type Options = NonNullable<ConstructorParameters<typeof Query>[1]>;
type UpdateOperatorFactory = (expr: Document, arrayFilters?: Document[]) => (doc: Document) => string[];

export interface EngineOptions {
  collation?: Document | undefined;
  variables?: Document | undefined;
  /** Resolves another collection of the same database for `$lookup`, `$unionWith`, `$graphLookup`. */
  collectionResolver?: ((name: string) => Document[]) | undefined;
}

export interface Matcher {
  test(doc: Document): boolean;
}

function mingoOptions(options: EngineOptions = {}): Options {
  const out: Record<string, unknown> = {};
  if (options.collation) out.collation = options.collation;
  if (options.variables) out.variables = options.variables;
  if (options.collectionResolver) out.collectionResolver = options.collectionResolver;
  return out as Options;
}

/** Compiles a query filter once; `test` is then called per candidate document. */
export function compileFilter(filter: Document, options?: EngineOptions): Matcher {
  return new Query(filter, mingoOptions(options));
}

/** Matches everything; used when the planner proved every condition already. */
export const MATCH_ALL: Matcher = { test: () => true };

// ---------------------------------------------------------------------------------------------
// Reads: sort / skip / limit / projection over a stream of already-matching documents.

export interface ReadShape {
  filter: Document;
  sort?: Document | undefined;
  skip?: number | undefined;
  limit?: number | undefined;
  projection?: Document | undefined;
}

/**
 * Lazily applies sort, skip, limit and projection to matching documents. Without a sort nothing
 * is materialised, so a limit stops the scan early. Skip and limit are applied here rather than
 * by mingo's `$skip`/`$limit`: mingo's `take` is a filter that keeps pulling (and discarding)
 * the rest of its source, which would turn `limit(10)` into a full scan. Stored documents are
 * copied before projection because mingo's exclusion projection edits nested objects in place.
 */
export function shapeResults(
  matches: Iterable<Document>,
  shape: ReadShape,
  options: EngineOptions,
  copy: (doc: Document) => Document,
): Iterator<Document> {
  let source: Iterable<Document> = matches;
  let sort = shape.sort && Object.keys(shape.sort).length ? shape.sort : undefined;
  if (sort && Object.hasOwn(sort, '$natural')) {
    // $natural means storage order, which is what the scan already yields.
    if (Object.keys(sort).length > 1) {
      throw new CommandError(ErrorCodes.BadValue, '$natural sort cannot be combined with other sort fields');
    }
    if (Number(sort.$natural) < 0) source = [...matches].reverse();
    sort = undefined;
  }
  if (sort) source = sortStream(source, sort, options);
  source = skipAndLimit(source, shape.skip ?? 0, shape.limit ?? 0);

  const projection = shape.projection && Object.keys(shape.projection).length ? shape.projection : undefined;
  if (!projection) return source[Symbol.iterator]();
  source = mapIterable(source, copy);
  if (Object.keys(projection).some((key) => key.endsWith('.$'))) {
    // Positional projection needs the query itself, which only mingo's Query cursor carries.
    return new Query(shape.filter, mingoOptions(options))
      .find(source, projection)
      [Symbol.iterator]() as Iterator<Document>;
  }
  return new Aggregator([{ $project: projection }], mingoOptions(options)).stream(
    source,
  ) as Iterator<Document>;
}

/** Sorts (materialising the input) with mingo's `$sort`, i.e. MongoDB's comparison order. */
export function sortStream(
  source: Iterable<Document>,
  sort: Document,
  options: EngineOptions,
): Iterable<Document> {
  return new Aggregator([{ $sort: sort }], mingoOptions(options)).stream(source) as Iterable<Document>;
}

/** Skips then stops after `limit` items (0 = no limit) without pulling anything further. */
export function* skipAndLimit<T>(source: Iterable<T>, skip: number, limit: number): Generator<T> {
  if (limit > 0 && skip === 0) {
    let taken = 0;
    for (const item of source) {
      yield item;
      if (++taken >= limit) return;
    }
    return;
  }
  let index = 0;
  for (const item of source) {
    if (index++ < skip) continue;
    yield item;
    if (limit > 0 && index - skip >= limit) return;
  }
}

function* mapIterable<T, R>(source: Iterable<T>, fn: (value: T) => R): Generator<R> {
  for (const value of source) yield fn(value);
}

/** Projects a single document (findAndModify's `fields`) without touching the stored one. */
export function projectOne(
  doc: Document,
  projection: Document,
  filter: Document,
  options: EngineOptions,
): Document {
  const iterator = shapeResults([doc], { filter, projection }, options, cloneValue);
  const result = iterator.next();
  return result.done ? doc : result.value;
}

/** MongoDB's BSON comparison order for two single values (distinct sorts its values with it). */
export function compareValues(a: unknown, b: unknown): number {
  return compare(a, b);
}

/** Sorts documents with mingo's comparison order (used by findAndModify and distinct). */
export function sortDocuments(docs: Document[], sort: Document, options: EngineOptions): Document[] {
  if (!Object.keys(sort).length) return docs;
  return new Aggregator([{ $sort: sort }], mingoOptions(options)).run(docs) as Document[];
}

// ---------------------------------------------------------------------------------------------
// Aggregation.

/** Streams a pipeline over its input; stages are validated by mingo when the stream is built. */
export function aggregateStream(
  source: Iterable<Document>,
  pipeline: Document[],
  options: EngineOptions,
): Iterator<Document> {
  if (!pipeline.length) return source[Symbol.iterator]();
  return new Aggregator(pipeline, mingoOptions(options)).stream(source) as unknown as Iterator<Document>;
}

// ---------------------------------------------------------------------------------------------
// Updates.

const OPERATORS = updateOperators as unknown as Record<string, UpdateOperatorFactory>;

/** `$setOnInsert` is applied by the caller (as a `$set`) only when an upsert inserts. */
export const UPDATE_OPERATOR_NAMES = new Set([...Object.keys(OPERATORS), '$setOnInsert']);

/**
 * Rejects what mongod rejects before touching any document: unknown operators, non-document
 * arguments, and two operators writing the same path or a path and its parent.
 */
export function validateModifier(modifier: Document): void {
  const paths: string[] = [];
  for (const op in modifier) {
    const args = modifier[op];
    if (!UPDATE_OPERATOR_NAMES.has(op)) {
      throw new CommandError(
        ErrorCodes.FailedToParse,
        `Unknown modifier: ${op}. Expected a valid update modifier or pipeline-style update specified as an array`,
      );
    }
    if (!isPlainObject(args)) {
      throw new CommandError(
        ErrorCodes.FailedToParse,
        `Modifiers operate on fields but we found type ${typeof args} instead. For example: {$mod: {<field>: ...}} not {${op}: ${formatValue(args)}}`,
      );
    }
    for (const path in args) {
      if (!path) throw new CommandError(ErrorCodes.BadValue, 'An empty update path is not valid.');
      paths.push(path.includes('$') ? stripPositional(path) : path);
      const target = args[path];
      if (op === '$rename' && typeof target === 'string') paths.push(target);
    }
  }
  for (let i = 0; i < paths.length; i++) {
    for (let j = i + 1; j < paths.length; j++) {
      const [a, b] = paths[i]!.length <= paths[j]!.length ? [paths[i]!, paths[j]!] : [paths[j]!, paths[i]!];
      if (a === b || b.startsWith(`${a}.`)) {
        throw new CommandError(
          ErrorCodes.ConflictingUpdateOperators,
          `Updating the path '${b}' would create a conflict at '${a}'`,
        );
      }
    }
  }
}

function stripPositional(path: string): string {
  return path.replace(/\.\$(\[[^\]]*\])?/g, '');
}

const NUMERIC_OPS = new Set(['$inc', '$mul']);

/**
 * Applies an operator update in place and reports whether anything changed (the basis of
 * `nModified`: mingo reports no change for e.g. a `$set` to the current value, like mongod).
 * `setOnInsert` is given only when an upsert inserts; it then acts as a `$set`. `filter` is
 * only consulted for positional `$` paths.
 *
 * Fields are processed in the order MongoDB 5.0+ documents for update operators: by field name,
 * lexicographically, numeric names numerically, across all operators. It shows in the order of
 * the fields an update creates: `{ $set: { type, 'date.saved' } }` on `{ _id }` gives
 * `{ _id, date, type }`. mingo applies paths in the order given, so the paths are sorted first
 * and applied as runs of the same operator.
 */
export function applyModifier(
  doc: Document,
  modifier: Document,
  arrayFilters: Document[] | undefined,
  filter: Document,
  setOnInsert?: Document,
): boolean {
  const needsGeneric =
    (arrayFilters && arrayFilters.length > 0) ||
    Object.values(modifier).some((args) => Object.keys(args as Document).some((path) => path.includes('$')));
  let modified = false;
  if (needsGeneric) {
    const { $setOnInsert: _ignored, ...operators } = modifier;
    const ordered: Document = {};
    for (const [op, args] of Object.entries(operators)) ordered[op] = sortedFields(args as Document);
    const docs = [doc];
    modified =
      updateOne(docs, filter, ordered as never, { arrayFilters: arrayFilters ?? [], cloneMode: 'deep' })
        .modifiedCount > 0;
    if (setOnInsert && Object.keys(setOnInsert).length) {
      modified = OPERATORS.$set!(sortedFields(setOnInsert))(doc).length > 0 || modified;
    }
    return modified;
  }
  for (const [op, args] of orderedRuns(modifier, setOnInsert)) {
    if (NUMERIC_OPS.has(op)) assertNumericTargets(doc, op, args);
    if (OPERATORS[op]!(args)(doc).length) modified = true;
  }
  return modified;
}

/** Splits a modifier into runs of one operator each, in MongoDB's field processing order. */
function orderedRuns(modifier: Document, setOnInsert: Document | undefined): Array<[string, Document]> {
  const entries: Array<[string, string, unknown]> = [];
  for (const op in modifier) {
    if (op === '$setOnInsert') continue;
    const args = modifier[op] as Document;
    for (const path in args) entries.push([op, path, args[path]]);
  }
  if (setOnInsert) for (const path in setOnInsert) entries.push(['$set', path, setOnInsert[path]]);
  if (entries.length > 1) entries.sort((a, b) => comparePaths(a[1], b[1]));
  const runs: Array<[string, Document]> = [];
  for (const [op, path, value] of entries) {
    const last = runs[runs.length - 1];
    if (last && last[0] === op) last[1][path] = value;
    else runs.push([op, { [path]: value }]);
  }
  return runs;
}

function sortedFields(args: Document): Document {
  const out: Document = {};
  for (const path of Object.keys(args).sort(comparePaths)) out[path] = args[path];
  return out;
}

const NUMERIC_SEGMENT = /^\d+$/;

/** Segment by segment; numeric segments compare as numbers (MongoDB 5.0+ update order). */
export function comparePaths(a: string, b: string): number {
  if (a === b) return 0;
  const left = a.split('.');
  const right = b.split('.');
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const x = left[i]!;
    const y = right[i]!;
    if (x === y) continue;
    if (NUMERIC_SEGMENT.test(x) && NUMERIC_SEGMENT.test(y)) return Number(x) - Number(y);
    return x < y ? -1 : 1;
  }
  return left.length - right.length;
}

/** mingo skips `$inc`/`$mul` on non-numeric fields silently; mongod refuses the update. */
function assertNumericTargets(doc: Document, op: string, args: Document): void {
  for (const [path, amount] of Object.entries(args)) {
    if (typeof amount !== 'number') {
      throw new CommandError(
        ErrorCodes.TypeMismatch,
        `Cannot ${op.slice(1)} with non-numeric argument: {${path}: ${formatValue(amount)}}`,
      );
    }
    let current: unknown = doc;
    for (const segment of path.split('.')) {
      if (!isPlainObject(current)) {
        current = undefined;
        break;
      }
      current = current[segment];
    }
    if (current !== undefined && typeof current !== 'number') {
      throw new CommandError(
        ErrorCodes.TypeMismatch,
        `Cannot apply ${op} to a value of non-numeric type. {_id: ${formatValue(doc._id)}} has the field '${path}' of non-numeric type ${current === null ? 'null' : typeof current}`,
      );
    }
  }
}

/** The stages MongoDB allows in a pipeline-style update. */
const UPDATE_PIPELINE_STAGES = new Set([
  '$addFields',
  '$set',
  '$project',
  '$unset',
  '$replaceRoot',
  '$replaceWith',
]);

/**
 * Pipeline-style update (`u: [ {$set: ...}, ... ]`): the new version of a (copied) document. It
 * runs as an aggregation over that one document, so every expression operator (`$setField`, ...)
 * and the command's `let` variables are available; mingo's updater has neither for pipelines.
 */
export function applyPipelineUpdate(doc: Document, pipeline: Document[], variables?: Document): Document {
  for (const stage of pipeline) {
    const name = Object.keys(stage)[0] ?? '';
    if (!UPDATE_PIPELINE_STAGES.has(name)) {
      throw new CommandError(ErrorCodes.InvalidOptions, `${name} is not allowed to be used within an update`);
    }
  }
  const [result] = new Aggregator(pipeline, mingoOptions({ variables })).run([doc]);
  return result as Document;
}

/** A command's `let` values, evaluated as expressions over no document (as mongod does). */
export function evaluateVariables(variables: Document): Document {
  const [evaluated] = new Aggregator([{ $replaceWith: { $literal: {} } }, { $addFields: variables }]).run([
    {},
  ]);
  return (evaluated ?? {}) as Document;
}
