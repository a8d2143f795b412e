/**
 * Query planning: turns a filter into groups of candidate `_id` keys, each with the part of the
 * filter that still has to be checked (by mingo) on its documents.
 *
 * 1. `_id` pinned by equality or `$in` (no regex): direct lookups in the `_id` map.
 * 2. Otherwise the secondary index whose leading fields are best constrained: equality/`$in`
 *    become hash lookups, other conditions on an indexed field (`$exists`, ranges, a `$or` whose
 *    branches all test that one field) are tested once per bucket instead of once per document.
 * 3. Otherwise a scan in natural (insertion) order.
 *
 * A condition answered exactly by the lookup is dropped from the per-document check ("consumed"),
 * which is what makes `countDocuments` over a million codes a sum of bucket sizes. Consumption
 * is only claimed when it is provably exact: hash-bucket equality is MongoDB's equality (arrays
 * never sit in a bucket), and a bucket-level predicate is exact only for buckets whose documents
 * all hold the same typed value (see isExactBucket). Everything else is re-checked per document.
 *
 * Candidates are produced lazily, so a `limit` without a sort stops the walk early.
 */
import type { Collection } from './collection.ts';
import {
  isExactBucket,
  MISSING_BUCKET,
  NULL_BUCKET,
  type SecondaryIndex,
  type TrieChild,
  type TrieNode,
} from './indexes.ts';
import { compileFilter, type EngineOptions, MATCH_ALL, type Matcher } from './mingo-bridge.ts';
import { type Document, isOperatorObject, isPlainObject, MISSING, valueKey } from './values.ts';

/**
 * Work done by every query plan of this process, as mongod's explain counts it: index keys
 * examined (`totalKeysExamined`: one per `_id` lookup or index entry visited) and documents
 * examined (`totalDocsExamined`: one per document fetched to be tested or returned). A count
 * answered from index bucket sizes examines keys only, like mongod's COUNT_SCAN. The server
 * attributes the increase to the command running (serverStatus `metrics.commands`).
 */
export const work = { keysExamined: 0, docsExamined: 0 };

export interface CandidateGroup {
  ids: Iterable<string>;
  /** Whether the ids come from an index (`_id` or secondary) rather than a collection scan. */
  keyed: boolean;
  /** Number of ids when they are known to exist (index buckets, full scans); undefined for lookups. */
  size: number | undefined;
  /** What remains to be checked per document; MATCH_ALL when the lookup proved everything. */
  matcher: Matcher;
}

export interface QueryPlan {
  /** For diagnostics and tests: `IDHACK`, `IXSCAN <name>` or `COLLSCAN`. */
  readonly summary: string;
  groups(): Generator<CandidateGroup>;
}

interface Level {
  /** Bucket keys to visit (from equality / `$in`); undefined = visit all buckets. */
  keys: string[] | undefined;
  keysEntry: number | undefined;
  /** Conditions on this field, tested against each visited bucket's representative value. */
  predSpec: Document | undefined;
  /** Top-level entries proved by predSpec on an exact bucket. */
  predEntries: number[];
}

/** Equality or `$in` on a value → the bucket keys that hold exactly the matching documents. */
function equalityKeys(condition: unknown): string[] | undefined {
  if (condition instanceof RegExp) return undefined;
  if (isOperatorObject(condition)) {
    const ops = Object.keys(condition);
    if (ops.length !== 1) return undefined;
    if (ops[0] === '$eq') {
      return condition.$eq instanceof RegExp ? undefined : keysForValue(condition.$eq);
    }
    if (ops[0] === '$in' && Array.isArray(condition.$in)) {
      const keys = new Set<string>();
      for (const value of condition.$in) {
        if (value instanceof RegExp) return undefined;
        for (const key of keysForValue(value)) keys.add(key);
      }
      return [...keys];
    }
    return undefined;
  }
  return keysForValue(condition);
}

function keysForValue(value: unknown): string[] {
  // Equality with null matches a missing field too.
  return value === null || value === undefined ? [MISSING_BUCKET, NULL_BUCKET] : [valueKey(value)];
}

export function planQuery(collection: Collection, filter: Document, options: EngineOptions = {}): QueryPlan {
  const entries = Object.entries(filter);
  const residualCache = new Map<string, Matcher>();
  const matcherWithout = (consumed: readonly number[]): Matcher => {
    const signature = [...consumed].sort((a, b) => a - b).join(',');
    let matcher = residualCache.get(signature);
    if (!matcher) {
      const skip = new Set(consumed);
      const residual: Document = {};
      entries.forEach(([key, value], i) => {
        if (!skip.has(i)) residual[key] = value;
      });
      matcher = Object.keys(residual).length ? compileFilter(residual, options) : MATCH_ALL;
      residualCache.set(signature, matcher);
    }
    return matcher;
  };

  if (options.collation) {
    // Collation changes string equality, so hash lookups would be wrong: scan with the full filter.
    return collectionScan(collection, () => matcherWithout([]));
  }

  const idEntry = entries.findIndex(([key]) => key === '_id');
  if (idEntry >= 0) {
    const keys = equalityKeys(entries[idEntry]![1]);
    if (keys) {
      return {
        summary: 'IDHACK',
        *groups() {
          yield { ids: keys, keyed: true, size: undefined, matcher: matcherWithout([idEntry]) };
        },
      };
    }
  }

  const best = chooseIndex(collection.indexes, entries);
  if (!best) return collectionScan(collection, () => matcherWithout([]));
  return indexScan(best.index, best.levels, options, matcherWithout);
}

function collectionScan(collection: Collection, matcher: () => Matcher): QueryPlan {
  return {
    summary: 'COLLSCAN',
    *groups() {
      yield { ids: collection.docs.keys(), keyed: false, size: collection.docs.size, matcher: matcher() };
    },
  };
}

function chooseIndex(
  indexes: readonly SecondaryIndex[],
  entries: Array<[string, unknown]>,
): { index: SecondaryIndex; levels: Level[] } | undefined {
  if (!indexes.length || !entries.length) return undefined;
  const topLevel = new Map<string, number>();
  const andConditions = new Map<string, unknown[]>();
  const orFolds = new Map<string, { entry: number; branches: unknown[] }>();

  const collectAnd = (clauses: unknown): void => {
    if (!Array.isArray(clauses)) return;
    for (const clause of clauses) {
      if (!isPlainObject(clause)) continue;
      for (const [key, value] of Object.entries(clause)) {
        if (key === '$and') collectAnd(value);
        else if (!key.startsWith('$')) {
          const list = andConditions.get(key) ?? [];
          list.push(value);
          andConditions.set(key, list);
        }
      }
    }
  };

  entries.forEach(([key, value], i) => {
    if (key === '$and') collectAnd(value);
    else if (key === '$or') {
      // A $or whose branches all constrain one and the same field is a condition on that field.
      if (!Array.isArray(value) || !value.length) return;
      let field: string | undefined;
      const branches: unknown[] = [];
      for (const branch of value) {
        if (!isPlainObject(branch)) return;
        const keys = Object.keys(branch);
        if (keys.length !== 1 || keys[0]!.startsWith('$') || (field !== undefined && keys[0] !== field)) {
          return;
        }
        field = keys[0]!;
        branches.push(branch[field]);
      }
      if (field !== undefined) orFolds.set(field, { entry: i, branches });
    } else if (!key.startsWith('$')) topLevel.set(key, i);
  });

  let best:
    | { index: SecondaryIndex; levels: Level[]; estimate: number; leadingConstrained: number }
    | undefined;
  for (const index of indexes) {
    if (index.spec.partialFilterExpression !== undefined) continue; // would miss documents outside it
    const levels = index.fields.map((field): Level => {
      let keys: string[] | undefined;
      let keysEntry: number | undefined;
      const conditions: unknown[] = [];
      const predEntries: number[] = [];
      const entry = topLevel.get(field);
      if (entry !== undefined) {
        const condition = entries[entry]![1];
        keys = equalityKeys(condition);
        if (keys) keysEntry = entry;
        else {
          conditions.push(condition);
          predEntries.push(entry);
        }
      }
      for (const condition of andConditions.get(field) ?? []) conditions.push(condition);
      const clauses: Document[] = conditions.map((condition) => ({ v: condition }));
      const fold = orFolds.get(field);
      if (fold) {
        clauses.push({ $or: fold.branches.map((branch) => ({ v: branch })) });
        predEntries.push(fold.entry);
      }
      return { keys, keysEntry, predSpec: clauses.length ? { $and: clauses } : undefined, predEntries };
    });
    let leadingKeys = 0;
    while (levels[leadingKeys]?.keys) leadingKeys++;
    let leadingConstrained = 0;
    while (
      levels[leadingConstrained] &&
      (levels[leadingConstrained]!.keys || levels[leadingConstrained]!.predSpec)
    ) {
      leadingConstrained++;
    }
    if (!leadingConstrained) continue;
    if (!index.storesAllMissing && admitsAllMissing(levels)) continue;
    // Fewest candidates under the equality prefix wins (exact, from the bucket counts); then
    // the index constraining more leading fields.
    const estimate = index.estimate(levels.slice(0, leadingKeys).map((level) => level.keys!));
    if (
      !best ||
      estimate < best.estimate ||
      (estimate === best.estimate && leadingConstrained > best.leadingConstrained)
    ) {
      best = { index, levels, estimate, leadingConstrained };
    }
  }
  return best;
}

/** Whether a document lacking every indexed field could match (such documents are not indexed). */
function admitsAllMissing(levels: readonly Level[]): boolean {
  return levels.every((level) => {
    if (level.keys && !level.keys.includes(MISSING_BUCKET)) return false;
    return !level.predSpec || compileFilter(level.predSpec).test({});
  });
}

function indexScan(
  index: SecondaryIndex,
  levels: Level[],
  options: EngineOptions,
  matcherWithout: (consumed: readonly number[]) => Matcher,
): QueryPlan {
  return {
    summary: `IXSCAN ${index.name}`,
    *groups() {
      const predicates = levels.map((level) => {
        if (!level.predSpec) return undefined;
        const query = compileFilter(level.predSpec, options);
        return (child: TrieChild) => query.test(child.rep === MISSING ? {} : { v: child.rep });
      });
      const consumed: number[] = [];

      function* visit(node: TrieNode, depth: number): Generator<CandidateGroup> {
        const level = levels[depth]!;
        const predicate = predicates[depth];
        const children: Iterable<[string, TrieChild]> = level.keys
          ? level.keys.flatMap((key): Array<[string, TrieChild]> => {
              const child = node.get(key);
              return child ? [[key, child]] : [];
            })
          : node.entries();
        for (const [bucket, child] of children) {
          let pushed = 0;
          if (predicate) {
            if (!predicate(child)) continue;
            if (isExactBucket(bucket)) {
              consumed.push(...level.predEntries);
              pushed += level.predEntries.length;
            }
          }
          if (level.keysEntry !== undefined) {
            consumed.push(level.keysEntry);
            pushed++;
          }
          if (child.next instanceof Set) {
            yield { ids: child.next, keyed: true, size: child.next.size, matcher: matcherWithout(consumed) };
          } else {
            yield* visit(child.next, depth + 1);
          }
          consumed.length -= pushed;
        }
      }

      yield* visit(index.root, 0);
      if (index.multikey.size) {
        yield { ids: index.multikey, keyed: true, size: index.multikey.size, matcher: matcherWithout([]) };
      }
    },
  };
}

/** Matching documents with their `_id` keys, lazily, in plan order. */
export function* matchingEntries(
  collection: Collection,
  filter: Document,
  options?: EngineOptions,
): Generator<[string, Document]> {
  const docs = collection.docs;
  for (const group of planQuery(collection, filter, options).groups()) {
    const { matcher, keyed } = group;
    for (const id of group.ids) {
      if (keyed) work.keysExamined++;
      const doc = docs.get(id);
      if (doc === undefined) continue;
      work.docsExamined++;
      if (matcher === MATCH_ALL || matcher.test(doc)) yield [id, doc];
    }
  }
}

export function* matchingDocs(
  collection: Collection,
  filter: Document,
  options?: EngineOptions,
): Generator<Document> {
  for (const [, doc] of matchingEntries(collection, filter, options)) yield doc;
}

/** Counts matches; buckets the plan proved entirely matching are counted without visiting documents. */
export function countMatching(
  collection: Collection,
  filter: Document,
  options: EngineOptions = {},
  skip = 0,
  limit = 0,
): number {
  const cap = limit > 0 ? skip + limit : Number.POSITIVE_INFINITY;
  const docs = collection.docs;
  let count = 0;
  for (const group of planQuery(collection, filter, options).groups()) {
    if (group.matcher === MATCH_ALL && group.size !== undefined) {
      count += group.size;
      if (group.keyed) work.keysExamined += group.size;
    } else {
      for (const id of group.ids) {
        if (group.keyed) work.keysExamined++;
        const doc = docs.get(id);
        if (doc !== undefined) {
          work.docsExamined++;
          if (group.matcher.test(doc)) count++;
        }
        if (count >= cap) break;
      }
    }
    if (count >= cap) break;
  }
  count = Math.max(0, Math.min(count, cap) - skip);
  return count;
}

/**
 * Keyset paging (`{a: x, b: {$gt: last}}` sorted on `b` with a limit) as mongod serves it: a range
 * scan of an index whose fields before `b` are pinned by equality, starting at the range's lower
 * bound and walking the index in `b` order, so a page costs O(log n + page) however deep it is —
 * never a sort of every match. Undefined when no index provides the order (the caller sorts).
 * `hint` (an index name or key pattern) restricts the choice to that index, as in mongod.
 */
export function orderedMatches(
  collection: Collection,
  filter: Document,
  sort: Document,
  options: EngineOptions = {},
  hint?: unknown,
): Iterable<Document> | undefined {
  const sortFields = Object.entries(sort);
  const directions = sortFields.map(([, direction]) => (direction === 1 ? 1 : direction === -1 ? -1 : 0));
  if (!sortFields.length || directions.includes(0) || options.collation) return undefined;
  const entries = Object.entries(filter);
  for (const index of collection.indexes) {
    if (!hintAllows(index, hint) || index.multikey.size || index.spec.partialFilterExpression !== undefined) {
      continue;
    }
    // The sort fields must be consecutive fields of the index (either direction: the walk goes both ways).
    const depth = index.fields.indexOf(sortFields[0]![0]);
    if (depth < 0 || sortFields.some(([field], i) => index.fields[depth + i] !== field)) continue;
    const prefix: string[] = [];
    const consumed: number[] = [];
    for (const prefixField of index.fields.slice(0, depth)) {
      const entry = entries.findIndex(([key]) => key === prefixField);
      const keys = entry < 0 ? undefined : equalityKeys(entries[entry]![1]);
      // One non-null value per leading field: a single run of the index is in sort order.
      const key = keys?.length === 1 ? keys[0] : undefined;
      if (key === undefined || key === MISSING_BUCKET || key === NULL_BUCKET) break;
      prefix.push(key);
      consumed.push(entry);
    }
    if (prefix.length !== depth) continue;
    const residual = Object.fromEntries(entries.filter((_, i) => !consumed.includes(i)));
    const matcher = Object.keys(residual).length ? compileFilter(residual, options) : MATCH_ALL;
    const start = startOf(filter[sortFields[0]![0]], directions[0] as 1 | -1);
    return rangeScan(collection, index, prefix, directions as Array<1 | -1>, start, matcher);
  }
  return undefined;
}

function hintAllows(index: SecondaryIndex, hint: unknown): boolean {
  if (hint === undefined || hint === null) return true;
  if (typeof hint === 'string') return hint === index.name;
  return isPlainObject(hint) && valueKey(hint) === valueKey(index.spec.key);
}

/** Where the walk starts: the range's bound on the side the walk comes from, if any. */
function startOf(condition: unknown, direction: 1 | -1): { value: unknown } | undefined {
  if (!isOperatorObject(condition)) return undefined;
  const ops = direction === 1 ? (['$gt', '$gte'] as const) : (['$lt', '$lte'] as const);
  for (const op of ops) if (Object.hasOwn(condition, op)) return { value: condition[op] };
  return undefined;
}

function* rangeScan(
  collection: Collection,
  index: SecondaryIndex,
  prefix: readonly string[],
  directions: ReadonlyArray<1 | -1>,
  start: { value: unknown } | undefined,
  matcher: Matcher,
): Generator<Document> {
  let node: TrieNode = index.root;
  for (const bucket of prefix) {
    const child = node.get(bucket);
    if (!child || child.next instanceof Set) return;
    node = child.next;
  }
  const docs = collection.docs;
  // Sort levels in order (the first from the range's start), the index's remaining levels as they come.
  function* walk(level: TrieNode, sortLevel: number): Generator<string> {
    const children =
      sortLevel < directions.length
        ? level.orderedChildren(directions[sortLevel]!, sortLevel === 0 ? start : undefined)
        : level.entries();
    for (const [, child] of children) {
      if (child.next instanceof Set) yield* child.next;
      else yield* walk(child.next, sortLevel + 1);
    }
  }
  // The range's own bound (exclusive or not) and anything past its far end are left to the matcher.
  for (const id of walk(node, 0)) {
    const doc = docs.get(id);
    if (doc !== undefined && (matcher === MATCH_ALL || matcher.test(doc))) yield doc;
  }
}
