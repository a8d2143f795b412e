/**
 * Update semantics shared by `update` and `findAndModify`: what kind of update a `u` is
 * (operators, replacement, pipeline), how one document is rewritten, and how an upsert builds
 * the document it inserts from the query's equality fields (as mongod does: `{_id: {campaign_id,
 * code}}` becomes the new document's `_id`, then the update operators and `$setOnInsert` apply).
 */
import { ObjectId } from 'bson';
import { assertValidId } from './collection.ts';
import { CommandError, ErrorCodes, formatValue } from './errors.ts';
import { applyModifier, applyPipelineUpdate, validateModifier } from './mingo-bridge.ts';
import {
  cloneValue,
  type Document,
  isOperatorObject,
  isPlainObject,
  soleIdEquality,
  valueKey,
  withIdFirst,
} from './values.ts';

export type UpdateSpec =
  | { kind: 'operators'; modifier: Document; setOnInsert: Document | undefined }
  | { kind: 'replacement'; replacement: Document }
  | { kind: 'pipeline'; pipeline: Document[] };

/** Classifies and validates `u` once per operation (not per matched document). */
export function parseUpdate(u: unknown): UpdateSpec {
  if (Array.isArray(u)) {
    if (!u.every(isPlainObject)) {
      throw new CommandError(ErrorCodes.FailedToParse, 'Each pipeline stage must be an object');
    }
    return { kind: 'pipeline', pipeline: u };
  }
  if (!isPlainObject(u)) {
    throw new CommandError(ErrorCodes.FailedToParse, 'Update argument must be either an object or an array');
  }
  if (isOperatorObject(u)) {
    validateModifier(u);
    const { $setOnInsert, ...modifier } = u;
    return { kind: 'operators', modifier, setOnInsert: $setOnInsert as Document | undefined };
  }
  for (const key of Object.keys(u)) {
    if (key.startsWith('$')) {
      throw new CommandError(
        ErrorCodes.FailedToParse,
        `The dollar ($) prefixed field '${key}' in '${key}' is not allowed in the context of an update's replacement document.`,
      );
    }
  }
  return { kind: 'replacement', replacement: u };
}

export interface Rewrite {
  doc: Document;
  modified: boolean;
}

/** The new version of a stored document; the stored one is left untouched. */
export function rewriteDocument(
  stored: Document,
  spec: UpdateSpec,
  arrayFilters: Document[] | undefined,
  filter: Document,
  variables?: Document,
): Rewrite {
  switch (spec.kind) {
    case 'operators': {
      const doc = cloneValue(stored);
      const modified = applyModifier(doc, spec.modifier, arrayFilters, filter);
      return { doc, modified };
    }
    case 'replacement': {
      if (Object.hasOwn(spec.replacement, '_id') && valueKey(spec.replacement._id) !== valueKey(stored._id)) {
        throw immutableIdError(spec.replacement._id);
      }
      const doc = withIdFirst({ ...cloneValue(spec.replacement), _id: stored._id });
      return { doc, modified: valueKey(doc) !== valueKey(stored) };
    }
    case 'pipeline': {
      const result = applyPipelineUpdate(cloneValue(stored), spec.pipeline, variables);
      // Like a replacement document, a pipeline's result without `_id` keeps the stored one
      // (`[{ $replaceRoot: { newRoot: '$t' } }]` keeps `_id`); a different `_id` is refused.
      if (Object.hasOwn(result, '_id') && valueKey(result._id) !== valueKey(stored._id)) {
        throw immutableIdError(result._id);
      }
      const doc = withIdFirst({ ...result, _id: stored._id });
      return { doc, modified: valueKey(doc) !== valueKey(stored) };
    }
  }
}

function immutableIdError(newId: unknown): CommandError {
  return new CommandError(
    ErrorCodes.ImmutableField,
    `After applying the update, the (immutable) field '_id' was found to have been altered to _id: ${formatValue(newId)}`,
  );
}

/**
 * Upsert results memoised per update command: with a filter of exactly `{ _id: X }` the inserted
 * document is `{ _id: X }` plus what the modifier makes of it, which cannot depend on X (update
 * paths may not touch `_id`). So a 50 000-op import batch that repeats one modifier runs it
 * through mingo once and copies the result, instead of 50 000 times. Time-dependent operators
 * (`$currentDate`) and positional paths are never memoised.
 */
export type UpsertTemplates = Map<string, Document>;

function templateKey(spec: UpdateSpec, arrayFilters: Document[] | undefined): string | undefined {
  if (spec.kind !== 'operators' || arrayFilters?.length) return undefined;
  if (Object.hasOwn(spec.modifier, '$currentDate')) return undefined;
  if (spec.setOnInsert && Object.hasOwn(spec.setOnInsert, '_id')) return undefined;
  for (const op in spec.modifier) {
    for (const path in spec.modifier[op] as Document) if (path.includes('$')) return undefined;
  }
  return `${valueKey(spec.modifier)}|${valueKey(spec.setOnInsert ?? null)}`;
}

/** The document an upsert inserts when nothing matched. */
export function buildUpsertDocument(
  filter: Document,
  spec: UpdateSpec,
  arrayFilters: Document[] | undefined,
  templates?: UpsertTemplates,
  variables?: Document,
): Document {
  const pinned = templates && soleIdEquality(filter);
  const key = pinned && templateKey(spec, arrayFilters);
  if (pinned && key !== undefined) {
    let template = templates.get(key);
    if (!template) {
      const { _id: _placeholder, ...rest } = buildUpsertDocument({ _id: null }, spec, arrayFilters);
      template = rest;
      templates.set(key, template);
    }
    assertValidId(pinned.value);
    return { _id: cloneValue(pinned.value), ...cloneValue(template) };
  }
  const seed = equalityFields(filter);
  let doc: Document;
  switch (spec.kind) {
    case 'replacement': {
      doc = cloneValue(spec.replacement);
      if (!Object.hasOwn(doc, '_id') && Object.hasOwn(seed, '_id')) doc = { _id: seed._id, ...doc };
      break;
    }
    case 'operators': {
      doc = seed;
      let setOnInsert: Document | undefined;
      if (spec.setOnInsert) {
        const { _id, ...rest } = spec.setOnInsert;
        // mingo's $set refuses `_id` paths; on insert an `_id` here simply becomes the new _id.
        if (_id !== undefined && !Object.hasOwn(doc, '_id')) doc = { _id: cloneValue(_id), ...doc };
        setOnInsert = cloneValue(rest);
      }
      applyModifier(doc, spec.modifier, arrayFilters, filter, setOnInsert);
      break;
    }
    case 'pipeline': {
      doc = applyPipelineUpdate(seed, spec.pipeline, variables);
      break;
    }
  }
  if (!Object.hasOwn(doc, '_id')) doc = { _id: new ObjectId(), ...doc };
  assertValidId(doc._id);
  return withIdFirst(doc);
}

/**
 * Fields an upsert copies from the query: top-level (or `$and`-nested) conditions that are plain
 * equalities or `$eq`. Dotted paths build nested documents. Two conditions on the same path or
 * on a path and its parent are refused, as mongod refuses them.
 */
export function equalityFields(filter: Document): Document {
  // Hot path of bulk upserts: the filter is exactly `{ _id: <value> }`.
  const pinned = soleIdEquality(filter);
  if (pinned) return { _id: cloneValue(pinned.value) };
  const fields: Array<[string, unknown]> = [];
  const collect = (query: Document): void => {
    for (const [key, value] of Object.entries(query)) {
      if (key === '$and' && Array.isArray(value)) {
        for (const clause of value) if (isPlainObject(clause)) collect(clause);
        continue;
      }
      if (key.startsWith('$')) continue;
      if (value instanceof RegExp) continue;
      if (isOperatorObject(value)) {
        const ops = Object.keys(value);
        if (ops.length === 1 && ops[0] === '$eq' && !(value.$eq instanceof RegExp)) {
          fields.push([key, value.$eq]);
        }
        continue;
      }
      fields.push([key, value]);
    }
  };
  collect(filter);

  const paths = fields.map(([path]) => path);
  for (const path of paths) {
    for (const other of paths) {
      if (path === other) {
        if (paths.indexOf(path) !== paths.lastIndexOf(path)) {
          throw new CommandError(
            ErrorCodes.NotSingleValueField,
            `cannot infer query fields to set, path '${path}' is matched twice`,
          );
        }
      } else if (other.startsWith(`${path}.`)) {
        throw new CommandError(
          ErrorCodes.NotSingleValueField,
          `cannot infer query fields to set, both paths '${path}' and '${other}' are matched`,
        );
      }
    }
  }

  const doc: Document = {};
  for (const [path, value] of fields) setPath(doc, path.split('.'), cloneValue(value));
  return doc;
}

/** Materialises a query path in the seed document (creating intermediate documents). */
function setPath(doc: Document, segments: string[], value: unknown): void {
  let current = doc;
  for (let i = 0; i < segments.length - 1; i++) {
    const segment = segments[i]!;
    const next = current[segment];
    if (isPlainObject(next)) current = next;
    else {
      const created: Document = {};
      current[segment] = created;
      current = created;
    }
  }
  current[segments[segments.length - 1]!] = value;
}
