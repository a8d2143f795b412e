/**
 * Read commands: find, getMore, killCursors, count, distinct, aggregate.
 */
import { Long } from 'bson';
import type { Collection } from '../collection.ts';
import { CommandError, ErrorCodes } from '../errors.ts';
import {
  aggregateStream,
  compareValues,
  type EngineOptions,
  shapeResults,
  skipAndLimit,
  sortStream,
} from '../mingo-bridge.ts';
import { countMatching, matchingDocs, orderedMatches } from '../planner.ts';
import { cloneValue, type Document, isPlainObject, toNumber, valueKey } from '../values.ts';
import {
  type CommandHandler,
  engineOptions,
  optionalBoolean,
  optionalCount,
  optionalDocument,
  requiredArray,
  targetCollection,
} from './context.ts';

const find: CommandHandler = (command, context) => {
  const name = targetCollection(command, 'find');
  const namespace = `${context.db}.${name}`;
  const filter = optionalDocument(command, 'filter') ?? {};
  const sort = optionalDocument(command, 'sort');
  const projection = optionalDocument(command, 'projection');
  const skip = optionalCount(command, 'skip');
  const limit = optionalCount(command, 'limit');
  const batchSize = optionalCount(command, 'batchSize');
  const singleBatch = optionalBoolean(command, 'singleBatch');
  const options = engineOptions(command);
  const collection = context.storage.getCollection(context.db, name);
  // A sorted, limited find served in order by an index (keyset paging) needs no sort of its own.
  const ordered =
    collection && sort && limit ? orderedMatches(collection, filter, sort, options, command.hint) : undefined;
  const matches = ordered ?? (collection ? matchingDocs(collection, filter, options) : []);
  const shape = { filter, sort: ordered ? undefined : sort, skip, limit, projection };
  const results = shapeResults(matches, shape, options, cloneValue);
  return context.cursors.open(namespace, results, { batchSize, singleBatch });
};

const getMore: CommandHandler = (command, context) => {
  const raw = command.getMore;
  if (!Long.isLong(raw) && typeof raw !== 'number') {
    throw new CommandError(
      ErrorCodes.TypeMismatch,
      "BSON field 'getMore.getMore' is the wrong type, expected type 'long'",
    );
  }
  const id = Long.isLong(raw) ? raw : Long.fromNumber(raw);
  const collection = command.collection;
  if (typeof collection !== 'string') {
    throw new CommandError(
      ErrorCodes.FailedToParse,
      "BSON field 'getMore.collection' is missing but a required field",
    );
  }
  const batchSize = optionalCount(command, 'batchSize');
  return context.cursors.getMore(id, `${context.db}.${collection}`, batchSize);
};

const killCursors: CommandHandler = (command, context) => {
  targetCollection(command, 'killCursors');
  const ids = requiredArray(command, 'cursors');
  const { killed, notFound } = context.cursors.kill(ids);
  return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [], ok: 1 };
};

const count: CommandHandler = (command, context) => {
  const name = targetCollection(command, 'count');
  const filter = optionalDocument(command, 'query') ?? {};
  const skip = optionalCount(command, 'skip') ?? 0;
  // A negative limit means the same as its absolute value for count.
  const limit = Math.abs(toNumber(command.limit) ?? 0);
  const collection = context.storage.getCollection(context.db, name);
  const n = collection ? countMatching(collection, filter, engineOptions(command), skip, limit) : 0;
  return { n, ok: 1 };
};

const distinct: CommandHandler = (command, context) => {
  const name = targetCollection(command, 'distinct');
  const key = command.key;
  if (typeof key !== 'string') {
    throw new CommandError(
      ErrorCodes.TypeMismatch,
      "BSON field 'distinct.key' is the wrong type, expected type 'string'",
    );
  }
  const filter = optionalDocument(command, 'query') ?? {};
  const collection = context.storage.getCollection(context.db, name);
  const seen = new Map<string, unknown>();
  if (collection) {
    const segments = key.split('.');
    for (const doc of matchingDocs(collection, filter, engineOptions(command))) {
      for (const value of distinctValues(doc, segments)) {
        const id = valueKey(value);
        if (!seen.has(id)) seen.set(id, value);
      }
    }
  }
  const values = [...seen.values()].sort(compareValues);
  return { values: values.map((value) => cloneValue(value)), ok: 1 };
};

/** Values reached by a dotted path; arrays on the way (and at the end) contribute each element. */
function distinctValues(value: unknown, segments: readonly string[], depth = 0): unknown[] {
  if (depth === segments.length) {
    if (value === undefined) return [];
    return Array.isArray(value) ? value : [value];
  }
  if (Array.isArray(value)) {
    return value.flatMap((item) => (isPlainObject(item) ? distinctValues(item, segments, depth) : []));
  }
  if (!isPlainObject(value)) return [];
  const segment = segments[depth]!;
  if (!Object.hasOwn(value, segment)) return [];
  return distinctValues(value[segment], segments, depth + 1);
}

// ---------------------------------------------------------------------------------------------

/** Stages that only read their input documents, so stored documents can be fed to them uncopied. */
const READ_ONLY_STAGES = new Set([
  '$match',
  '$group',
  '$count',
  '$sort',
  '$skip',
  '$limit',
  '$sample',
  '$sortByCount',
]);
/** Stages mingo implements but that would write to (copies of) collections: refused. */
const UNSUPPORTED_STAGES = new Set(['$out', '$merge']);

const aggregate: CommandHandler = (command, context) => {
  const target = command.aggregate;
  const isCollection = typeof target === 'string';
  if (!isCollection && toNumber(target) !== 1) {
    throw new CommandError(
      ErrorCodes.FailedToParse,
      "Invalid value for 'aggregate': must be a collection name or 1",
    );
  }
  const name = isCollection ? targetCollection(command, 'aggregate') : undefined;
  const pipeline = requiredArray(command, 'pipeline');
  for (const stage of pipeline) {
    if (!isPlainObject(stage) || Object.keys(stage).length !== 1) {
      throw new CommandError(40323, 'A pipeline stage specification object must contain exactly one field.');
    }
    const stageName = Object.keys(stage)[0]!;
    if (UNSUPPORTED_STAGES.has(stageName)) {
      throw new CommandError(
        ErrorCodes.UnrecognizedPipelineStage,
        `Unrecognized pipeline stage name: '${stageName}' (not supported by the embedded MongoDB server)`,
      );
    }
  }
  if (command.explain !== undefined) {
    throw new CommandError(
      ErrorCodes.CommandNotSupported,
      'explain is not supported by the embedded MongoDB server',
    );
  }
  const cursorOptions = optionalDocument(command, 'cursor');
  if (!cursorOptions) {
    throw new CommandError(
      ErrorCodes.FailedToParse,
      "The 'cursor' option is required, except for aggregate with the explain argument",
    );
  }
  const batchSize = optionalCount(cursorOptions, 'batchSize');
  const options: EngineOptions = {
    ...engineOptions(command),
    collectionResolver: (other) => {
      const collection = context.storage.getCollection(context.db, other);
      return collection ? [...collection.docs.values()].map((doc) => cloneValue(doc)) : [];
    },
  };
  const namespace = name ? `${context.db}.${name}` : `${context.db}.$cmd.aggregate`;
  const collection = name ? context.storage.getCollection(context.db, name) : undefined;
  const stages = pipeline as Document[];

  // A leading $match is planned (indexes, early exit); the rest of the pipeline runs in mingo.
  const first = stages[0];
  const filter = first && isPlainObject(first.$match) ? first.$match : undefined;
  const rest = filter ? stages.slice(1) : stages;

  const counted = collection && countShortcut(collection, filter ?? {}, rest, options);
  if (counted) return context.cursors.open(namespace, counted[Symbol.iterator](), { batchSize });

  let source: Iterable<Document> = collection ? matchingDocs(collection, filter ?? {}, options) : [];
  // A leading $sort / $skip / $limit run outside mingo's pipeline so that a limit stops the scan
  // (mingo's $limit keeps draining its input after the limit is reached).
  let i = 0;
  const sort = rest[i] && isPlainObject(rest[i]!.$sort) ? (rest[i++]!.$sort as Document) : undefined;
  const skip =
    rest[i] && Object.hasOwn(rest[i]!, '$skip') ? nonNegativeInteger(rest[i++]!.$skip, '$skip') : 0;
  const limit = rest[i] && Object.hasOwn(rest[i]!, '$limit') ? positiveInteger(rest[i++]!.$limit) : 0;
  const remaining = rest.slice(i);
  if (sort) source = sortStream(source, sort, options);
  if (skip || limit) source = skipAndLimit(source, skip, limit);
  if (!remaining.every((stage) => READ_ONLY_STAGES.has(Object.keys(stage)[0]!))) source = copyEach(source);
  return context.cursors.open(namespace, aggregateStream(source, remaining, options), { batchSize });
};

function nonNegativeInteger(value: unknown, stage: string): number {
  const number = toNumber(value);
  if (number === undefined || !Number.isInteger(number) || number < 0) {
    throw new CommandError(15956, `invalid argument to ${stage} stage: ${String(value)}`);
  }
  return number;
}

function positiveInteger(value: unknown): number {
  const number = toNumber(value);
  if (number === undefined || !Number.isInteger(number) || number <= 0) {
    throw new CommandError(15958, 'the limit must be positive');
  }
  return number;
}

function* copyEach(source: Iterable<Document>): Generator<Document> {
  for (const doc of source) yield cloneValue(doc);
}

/**
 * countDocuments sends `[{$match}, {$skip}?, {$limit}?, {$group: {_id: 1, n: {$sum: 1}}}]`; the
 * same result (including no document at all when nothing matches, as $group gives) is computed
 * from the planner's count, which sums index buckets instead of visiting a million documents.
 */
function countShortcut(
  collection: Collection,
  filter: Document,
  rest: Document[],
  options: EngineOptions,
): Document[] | undefined {
  let skip = 0;
  let limit = 0;
  let i = 0;
  const skipStage = rest[i];
  if (skipStage && Object.hasOwn(skipStage, '$skip')) {
    const value = toNumber(skipStage.$skip);
    if (value === undefined || value < 0 || !Number.isInteger(value)) return undefined;
    skip = value;
    i++;
  }
  const limitStage = rest[i];
  if (limitStage && Object.hasOwn(limitStage, '$limit')) {
    const value = toNumber(limitStage.$limit);
    if (value === undefined || value <= 0 || !Number.isInteger(value)) return undefined;
    limit = value;
    i++;
  }
  const last = rest[i];
  if (!last || i !== rest.length - 1) return undefined;
  let output: (n: number) => Document;
  if (
    typeof last.$count === 'string' &&
    last.$count &&
    !last.$count.startsWith('$') &&
    !last.$count.includes('.')
  ) {
    const field = last.$count;
    output = (n) => ({ [field]: n });
  } else if (isPlainObject(last.$group)) {
    const group = last.$group;
    const keys = Object.keys(group);
    if (keys.length !== 2 || keys[0] !== '_id') return undefined;
    const id = group._id;
    const constantId =
      id === null ||
      typeof id === 'number' ||
      typeof id === 'boolean' ||
      (typeof id === 'string' && !id.startsWith('$'));
    const field = keys[1]!;
    const accumulator = group[field];
    if (
      !constantId ||
      !isPlainObject(accumulator) ||
      Object.keys(accumulator).length !== 1 ||
      toNumber(accumulator.$sum) !== 1
    ) {
      return undefined;
    }
    output = (n) => ({ _id: id, [field]: n });
  } else {
    return undefined;
  }
  const n = countMatching(collection, filter, options, skip, limit);
  return n > 0 ? [output(n)] : [];
}

export const readCommands: Record<string, CommandHandler> = {
  find,
  getMore,
  killCursors,
  count,
  distinct,
  aggregate,
};
