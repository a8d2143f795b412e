/**
 * Write commands: insert, update, delete, findAndModify. Batches follow mongod: an ordered batch
 * stops at its first error, an unordered one records the error and carries on; each error is a
 * `writeErrors` entry `{ index, code, errmsg, ... }` and the command itself still has `ok: 1`.
 *
 * A batch runs in slices of about SLICE_MS, other connections' commands being served between
 * them (mongod likewise lets other operations through during a bulk write). The cut is always
 * between two statements: each statement (one document's insert, update or delete) is atomic.
 */
import { ObjectId } from 'bson';
import type { Collection } from '../collection.ts';
import { CommandError, ErrorCodes, toCommandError } from '../errors.ts';
import { type EngineOptions, projectOne, sortDocuments } from '../mingo-bridge.ts';
import { matchingDocs, matchingEntries, work } from '../planner.ts';
import {
  buildUpsertDocument,
  parseUpdate,
  rewriteDocument,
  type UpdateSpec,
  type UpsertTemplates,
} from '../updates.ts';
import {
  cloneValue,
  type Document,
  isPlainObject,
  soleIdEquality,
  toNumber,
  valueKey,
  withIdFirst,
} from '../values.ts';
import { ProtocolError } from '../wire.ts';
import {
  type CommandContext,
  type CommandHandler,
  commandVariables,
  engineOptions,
  optionalBoolean,
  optionalDocument,
  requiredList,
  targetCollection,
} from './context.ts';

function isOrdered(command: Document): boolean {
  return command.ordered === undefined ? true : optionalBoolean(command, 'ordered');
}

/** How long a batch runs before letting other connections in. */
const SLICE_MS = 10;

/**
 * Drives a batch whose generator yields after each statement: synchronously while it is quick,
 * then in slices separated by `betweenSlices`. Collections are looked up again after a pause
 * (another connection may have dropped one meanwhile).
 */
function runSliced(batch: Generator<void, Document>, context: CommandContext): Document | Promise<Document> {
  let sliceStart = performance.now();
  for (;;) {
    const step = batch.next();
    if (step.done) return step.value;
    if (performance.now() - sliceStart > SLICE_MS) break;
  }
  return (async () => {
    for (;;) {
      await context.betweenSlices();
      sliceStart = performance.now();
      for (;;) {
        const step = batch.next();
        if (step.done) return step.value;
        if (performance.now() - sliceStart > SLICE_MS) break;
      }
    }
  })();
}

function withWriteErrors(reply: Document, writeErrors: Document[]): Document {
  if (writeErrors.length) reply.writeErrors = writeErrors;
  reply.ok = 1;
  return reply;
}

// ---------------------------------------------------------------------------------------------

const insert: CommandHandler = (command, context) => runSliced(insertBatch(command, context), context);

function* insertBatch(command: Document, context: CommandContext): Generator<void, Document> {
  const name = targetCollection(command, 'insert');
  const documents = requiredList(command, 'documents');
  const ordered = isOrdered(command);
  context.storage.ensureCollection(context.db, name);
  let n = 0;
  const writeErrors: Document[] = [];
  for (let index = 0; index < documents.length; index++) {
    const raw = documents.at(index);
    try {
      if (!isPlainObject(raw)) {
        throw new CommandError(ErrorCodes.BadValue, 'document to insert must be an object');
      }
      // Copy on write: the stored document shares nothing with the request (whose buffer may be large).
      const doc = cloneValue(raw);
      const { collection } = context.storage.ensureCollection(context.db, name);
      collection.insert(Object.hasOwn(doc, '_id') ? withIdFirst(doc) : { _id: new ObjectId(), ...doc });
      n++;
    } catch (error) {
      if (error instanceof ProtocolError) throw error;
      writeErrors.push(toCommandError(error).toWriteError(index));
      if (ordered) break;
    }
    yield;
  }
  return withWriteErrors({ n }, writeErrors);
}

// ---------------------------------------------------------------------------------------------

interface UpdateOutcome {
  n: number;
  nModified: number;
  upsertedId?: unknown;
}

/** `_id` pinned by plain equality: the hot path of bulk upserts, answered by one Map lookup. */
function idEqualityKey(filter: Document): string | undefined {
  const pinned = soleIdEquality(filter);
  return pinned && valueKey(pinned.value);
}

function firstMatch(
  collection: Collection,
  filter: Document,
  options: EngineOptions,
  sort: Document | undefined,
): [string, Document] | undefined {
  if (sort && Object.keys(sort).length) {
    const [doc] = sortDocuments([...matchingDocs(collection, filter, options)], sort, options);
    return doc ? [valueKey(doc._id), doc] : undefined;
  }
  if (!options.collation) {
    const idKey = idEqualityKey(filter);
    if (idKey !== undefined) {
      // The planner's IDHACK, inlined for bulk upserts: one key, and the document if any.
      const doc = collection.get(idKey);
      work.keysExamined++;
      if (doc) work.docsExamined++;
      return doc ? [idKey, doc] : undefined;
    }
  }
  const iterator = matchingEntries(collection, filter, options);
  const first = iterator.next();
  iterator.return(undefined);
  return first.done ? undefined : first.value;
}

function readUpdateStatement(statement: unknown): {
  filter: Document;
  spec: UpdateSpec;
  multi: boolean;
  upsert: boolean;
  arrayFilters: Document[] | undefined;
  options: EngineOptions;
} {
  if (!isPlainObject(statement)) {
    throw new CommandError(ErrorCodes.TypeMismatch, 'update statement must be an object');
  }
  const filter = statement.q;
  if (!isPlainObject(filter)) {
    throw new CommandError(
      ErrorCodes.FailedToParse,
      "BSON field 'update.updates.q' is missing but a required field",
    );
  }
  if (statement.u === undefined) {
    throw new CommandError(
      ErrorCodes.FailedToParse,
      "BSON field 'update.updates.u' is missing but a required field",
    );
  }
  const spec = parseUpdate(statement.u);
  const multi = optionalBoolean(statement, 'multi');
  if (multi && spec.kind === 'replacement') {
    throw new CommandError(
      ErrorCodes.FailedToParse,
      'multi update is not supported for replacement-style update',
    );
  }
  if (statement.sort !== undefined) {
    // What MongoDB 7.0 (the version this server reports) answers: `sort` arrived in 8.0.
    throw new CommandError(40415, "BSON field 'update.updates.sort' is an unknown field.");
  }
  const arrayFilters = statement.arrayFilters;
  if (arrayFilters !== undefined && (!Array.isArray(arrayFilters) || !arrayFilters.every(isPlainObject))) {
    throw new CommandError(ErrorCodes.TypeMismatch, 'arrayFilters must be an array of objects');
  }
  return {
    filter,
    spec,
    multi,
    upsert: optionalBoolean(statement, 'upsert'),
    arrayFilters: arrayFilters as Document[] | undefined,
    options: engineOptions(statement, undefined, 'update statement'),
  };
}

function executeUpdate(
  context: CommandContext,
  name: string,
  statement: unknown,
  variables: Document | undefined,
  templates: UpsertTemplates,
): UpdateOutcome {
  const { filter, spec, multi, upsert, arrayFilters, options } = readUpdateStatement(statement);
  if (variables) options.variables = variables;
  // Atomic per document: each target is rewritten and swapped in within this synchronous call.
  const collection = context.storage.getCollection(context.db, name);
  let n = 0;
  let nModified = 0;
  if (collection) {
    // Matches are collected before any is rewritten, so a document moved by the update is
    // never visited twice (the "Halloween problem").
    const targets = multi
      ? [...matchingEntries(collection, filter, options)]
      : [firstMatch(collection, filter, options, undefined)];
    for (const target of targets) {
      if (!target) continue;
      const [idKey, stored] = target;
      const { doc, modified } = rewriteDocument(stored, spec, arrayFilters, filter, variables);
      n++;
      if (modified) {
        collection.replace(idKey, stored, doc);
        nModified++;
      }
    }
  }
  if (n === 0 && upsert) {
    const doc = buildUpsertDocument(filter, spec, arrayFilters, templates, variables);
    context.storage.ensureCollection(context.db, name).collection.insert(doc);
    return { n: 1, nModified: 0, upsertedId: doc._id };
  }
  return { n, nModified };
}

const update: CommandHandler = (command, context) => runSliced(updateBatch(command, context), context);

function* updateBatch(command: Document, context: CommandContext): Generator<void, Document> {
  const name = targetCollection(command, 'update');
  const statements = requiredList(command, 'updates');
  const ordered = isOrdered(command);
  const variables = commandVariables(command);
  let n = 0;
  let nModified = 0;
  const upserted: Document[] = [];
  const writeErrors: Document[] = [];
  const templates: UpsertTemplates = new Map();
  for (let index = 0; index < statements.length; index++) {
    try {
      const outcome = executeUpdate(context, name, statements.at(index), variables, templates);
      n += outcome.n;
      nModified += outcome.nModified;
      if (outcome.upsertedId !== undefined) upserted.push({ index, _id: outcome.upsertedId });
    } catch (error) {
      if (error instanceof ProtocolError) throw error;
      writeErrors.push(toCommandError(error).toWriteError(index));
      if (ordered) break;
    }
    yield;
  }
  const reply: Document = { n, nModified };
  if (upserted.length) reply.upserted = upserted;
  return withWriteErrors(reply, writeErrors);
}

// ---------------------------------------------------------------------------------------------

const deleteCommand: CommandHandler = (command, context) => runSliced(deleteBatch(command, context), context);

function* deleteBatch(command: Document, context: CommandContext): Generator<void, Document> {
  const name = targetCollection(command, 'delete');
  const statements = requiredList(command, 'deletes');
  const ordered = isOrdered(command);
  const variables = commandVariables(command);
  let n = 0;
  const writeErrors: Document[] = [];
  for (let index = 0; index < statements.length; index++) {
    try {
      const statement = statements.at(index);
      if (!isPlainObject(statement) || !isPlainObject(statement.q)) {
        throw new CommandError(
          ErrorCodes.FailedToParse,
          "BSON field 'delete.deletes.q' is missing but a required field",
        );
      }
      const limit = toNumber(statement.limit);
      if (limit !== 0 && limit !== 1) {
        throw new CommandError(
          ErrorCodes.FailedToParse,
          `The limit field in delete objects must be 0 or 1. Got ${String(statement.limit)}`,
        );
      }
      const collection = context.storage.getCollection(context.db, name);
      if (!collection) continue;
      const options = engineOptions(statement, variables, 'delete statement');
      const targets =
        limit === 1
          ? [firstMatch(collection, statement.q, options, undefined)]
          : [...matchingEntries(collection, statement.q, options)];
      for (const target of targets) if (target && collection.remove(target[0])) n++;
    } catch (error) {
      if (error instanceof ProtocolError) throw error;
      writeErrors.push(toCommandError(error).toWriteError(index));
      if (ordered) break;
    }
    yield;
  }
  return withWriteErrors({ n }, writeErrors);
}

// ---------------------------------------------------------------------------------------------

const findAndModify: CommandHandler = (command, context) => {
  const name = targetCollection(command, 'findAndModify' in command ? 'findAndModify' : 'findandmodify');
  const filter = optionalDocument(command, 'query') ?? {};
  const sort = optionalDocument(command, 'sort');
  const fields = optionalDocument(command, 'fields');
  const remove = optionalBoolean(command, 'remove');
  const returnNew = optionalBoolean(command, 'new');
  const upsert = optionalBoolean(command, 'upsert');
  const hasUpdate = command.update !== undefined;
  if (remove && hasUpdate) {
    throw new CommandError(ErrorCodes.FailedToParse, 'Cannot specify both an update and remove=true');
  }
  if (!remove && !hasUpdate) {
    throw new CommandError(ErrorCodes.FailedToParse, 'Either an update or remove=true must be specified');
  }
  if (remove && upsert) {
    throw new CommandError(ErrorCodes.FailedToParse, 'Cannot specify both upsert=true and remove=true');
  }
  if (remove && returnNew) {
    throw new CommandError(
      ErrorCodes.FailedToParse,
      "Cannot specify both new=true and remove=true; 'remove' always returns the deleted document",
    );
  }
  const options = engineOptions(command);
  const arrayFilters = command.arrayFilters as Document[] | undefined;
  const shown = (doc: Document | undefined): Document | null => {
    if (!doc) return null;
    return fields && Object.keys(fields).length ? projectOne(doc, fields, filter, options) : doc;
  };

  const collection = context.storage.getCollection(context.db, name);
  const target = collection ? firstMatch(collection, filter, options, sort) : undefined;

  if (remove) {
    if (!collection || !target) return { lastErrorObject: { n: 0 }, value: null, ok: 1 };
    collection.remove(target[0]);
    return { lastErrorObject: { n: 1 }, value: shown(target[1]), ok: 1 };
  }

  const spec = parseUpdate(command.update);
  if (collection && target) {
    const [idKey, stored] = target;
    const { doc, modified } = rewriteDocument(stored, spec, arrayFilters, filter, options.variables);
    if (modified) collection.replace(idKey, stored, doc);
    return {
      lastErrorObject: { n: 1, updatedExisting: true },
      value: shown(returnNew ? doc : stored),
      ok: 1,
    };
  }
  if (!upsert) return { lastErrorObject: { n: 0, updatedExisting: false }, value: null, ok: 1 };
  const doc = buildUpsertDocument(filter, spec, arrayFilters, undefined, options.variables);
  context.storage.ensureCollection(context.db, name).collection.insert(doc);
  return {
    lastErrorObject: { n: 1, updatedExisting: false, upserted: doc._id },
    value: returnNew ? shown(doc) : null,
    ok: 1,
  };
};

export const writeCommands: Record<string, CommandHandler> = {
  insert,
  update,
  delete: deleteCommand,
  findAndModify,
  findandmodify: findAndModify,
};
