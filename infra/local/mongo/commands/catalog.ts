/**
 * Catalog commands: create, drop, dropDatabase, listCollections, listDatabases, createIndexes,
 * listIndexes, dropIndexes.
 */
import { assertSimpleCollation } from '../collation.ts';
import { CommandError, ErrorCodes, formatValue } from '../errors.ts';
import {
  ID_INDEX_NAME,
  ID_INDEX_SPEC,
  normalizeIndexSpec,
  optionsSignature,
  type SecondaryIndex,
  sameKeyPattern,
} from '../indexes.ts';
import { compileFilter } from '../mingo-bridge.ts';
import { type Document, isPlainObject, valueKey } from '../values.ts';
import {
  type CommandHandler,
  optionalBoolean,
  optionalDocument,
  requiredArray,
  targetCollection,
} from './context.ts';

/** Fields every command may carry that are not collection options. */
const GENERIC_FIELDS = new Set([
  '$db',
  'lsid',
  'txnNumber',
  '$readPreference',
  '$clusterTime',
  'writeConcern',
  'readConcern',
  'apiVersion',
  'apiStrict',
  'apiDeprecationErrors',
  'comment',
  'maxTimeMS',
]);

/** Collection features the embedded server does not implement: refused rather than ignored. */
const UNSUPPORTED_CREATE_OPTIONS = new Set([
  'capped',
  'size',
  'max',
  'timeseries',
  'viewOn',
  'pipeline',
  'validator',
  'validationLevel',
  'validationAction',
  'clusteredIndex',
  'expireAfterSeconds',
  'encryptedFields',
  'changeStreamPreAndPostImages',
]);

const create: CommandHandler = (command, context) => {
  const name = targetCollection(command, 'create');
  const options: Document = {};
  for (const [field, value] of Object.entries(command)) {
    if (field === 'create' || GENERIC_FIELDS.has(field)) continue;
    if (UNSUPPORTED_CREATE_OPTIONS.has(field)) {
      throw new CommandError(
        ErrorCodes.CommandNotSupported,
        `create option '${field}' is not supported by the embedded MongoDB server`,
      );
    }
    if (field === 'collation') assertSimpleCollation(value, 'create');
    options[field] = value;
  }
  const existing = context.storage.getCollection(context.db, name);
  if (existing) {
    // Since MongoDB 5.0 (SERVER-60064) re-creating with identical options succeeds.
    if (valueKey(existing.options) === valueKey(options)) return { ok: 1 };
    throw new CommandError(
      ErrorCodes.NamespaceExists,
      `Collection ${existing.namespace} already exists with different options: ${formatValue(existing.options)}`,
    );
  }
  context.storage.createCollection(context.db, name, options);
  return { ok: 1 };
};

const drop: CommandHandler = (command, context) => {
  const name = targetCollection(command, 'drop');
  const namespace = `${context.db}.${name}`;
  const collection = context.storage.dropCollection(context.db, name);
  context.cursors.killNamespace((ns) => ns === namespace);
  // MongoDB 7.0 answers ok for a collection that does not exist.
  if (!collection) return { ok: 1 };
  return { nIndexesWas: collection.indexes.length + 1, ns: namespace, ok: 1 };
};

const dropDatabase: CommandHandler = (_command, context) => {
  context.storage.dropDatabase(context.db);
  const prefix = `${context.db}.`;
  context.cursors.killNamespace((ns) => ns.startsWith(prefix));
  return { ok: 1 };
};

const listCollections: CommandHandler = (command, context) => {
  const filter = optionalDocument(command, 'filter');
  const nameOnly = optionalBoolean(command, 'nameOnly');
  const cursorOptions = optionalDocument(command, 'cursor');
  const matcher = filter && Object.keys(filter).length ? compileFilter(filter) : undefined;
  const entries: Document[] = [];
  for (const collection of context.storage.listCollections(context.db)) {
    const entry: Document = nameOnly
      ? { name: collection.name, type: 'collection' }
      : {
          name: collection.name,
          type: 'collection',
          options: collection.options,
          info: { readOnly: false, uuid: collection.uuid },
          idIndex: ID_INDEX_SPEC,
        };
    if (!matcher || matcher.test(entry)) entries.push(entry);
  }
  return context.cursors.open(`${context.db}.$cmd.listCollections`, entries[Symbol.iterator](), {
    batchSize: cursorOptions?.batchSize === undefined ? undefined : Number(cursorOptions.batchSize),
  });
};

const listDatabases: CommandHandler = (command, context) => {
  if (context.db !== 'admin') {
    throw new CommandError(
      ErrorCodes.Unauthorized,
      'listDatabases may only be run against the admin database.',
    );
  }
  const nameOnly = optionalBoolean(command, 'nameOnly');
  const filter = optionalDocument(command, 'filter');
  const matcher = filter && Object.keys(filter).length ? compileFilter(filter) : undefined;
  const databases: Document[] = [];
  for (const name of context.storage.listDatabases()) {
    // Nothing is on disk, so sizes are reported as 0.
    const entry: Document = nameOnly ? { name } : { name, sizeOnDisk: 0, empty: false };
    if (!matcher || matcher.test(entry)) databases.push(entry);
  }
  return nameOnly ? { databases, ok: 1 } : { databases, totalSize: 0, totalSizeMb: 0, ok: 1 };
};

// ---------------------------------------------------------------------------------------------

const createIndexes: CommandHandler = (command, context) => {
  const name = targetCollection(command, 'createIndexes');
  const rawSpecs = requiredArray(command, 'indexes');
  if (!rawSpecs.length) {
    throw new CommandError(ErrorCodes.BadValue, 'Must specify at least one index to create');
  }
  const specs = rawSpecs.map(normalizeIndexSpec);
  const { collection, created } = context.storage.ensureCollection(context.db, name);
  const numIndexesBefore = collection.indexes.length + 1;

  const toBuild: Document[] = [];
  for (const spec of specs) {
    const requested = spec.name as string;
    const key = spec.key as Document;
    if (sameKeyPattern(key, { _id: 1 })) {
      if (requested === ID_INDEX_NAME) continue;
      throw new CommandError(
        ErrorCodes.IndexOptionsConflict,
        `Index already exists with a different name: ${ID_INDEX_NAME}`,
      );
    }
    if (requested === ID_INDEX_NAME) {
      throw new CommandError(
        ErrorCodes.IndexKeySpecsConflict,
        `An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. Requested index: ${formatValue(spec)}, existing index: ${formatValue(ID_INDEX_SPEC)}`,
      );
    }
    const candidates: Array<{ spec: Document }> = [
      ...collection.indexes,
      ...toBuild.map((s) => ({ spec: s })),
    ];
    const sameName = candidates.find((index) => index.spec.name === requested);
    if (sameName) {
      if (!sameKeyPattern(sameName.spec.key as Document, key)) {
        throw new CommandError(
          ErrorCodes.IndexKeySpecsConflict,
          `An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. Requested index: ${formatValue(spec)}, existing index: ${formatValue(sameName.spec)}`,
        );
      }
      if (optionsSignature(sameName.spec) !== optionsSignature(spec)) {
        throw new CommandError(
          ErrorCodes.IndexOptionsConflict,
          `An equivalent index already exists with the same name but different options. Requested index: ${formatValue(spec)}, existing index: ${formatValue(sameName.spec)}`,
        );
      }
      continue; // already exists: createIndexes is idempotent
    }
    const sameDefinition = candidates.find(
      (index) =>
        sameKeyPattern(index.spec.key as Document, key) &&
        optionsSignature(index.spec) === optionsSignature(spec),
    );
    if (sameDefinition) {
      throw new CommandError(
        ErrorCodes.IndexOptionsConflict,
        `Index already exists with a different name: ${String(sameDefinition.spec.name)}`,
      );
    }
    toBuild.push(spec);
  }

  // All or nothing: a unique violation in existing data undoes the indexes built by this call.
  const built: SecondaryIndex[] = [];
  try {
    for (const spec of toBuild) built.push(collection.addIndex(spec));
  } catch (error) {
    for (const index of built) collection.dropIndex(index.name);
    throw error;
  }
  const reply: Document = {
    numIndexesBefore,
    numIndexesAfter: collection.indexes.length + 1,
    createdCollectionAutomatically: created,
  };
  if (!toBuild.length) reply.note = 'all indexes already exist';
  reply.ok = 1;
  return reply;
};

const listIndexes: CommandHandler = (command, context) => {
  const name = targetCollection(command, 'listIndexes');
  const collection = context.storage.getCollection(context.db, name);
  if (!collection) {
    throw new CommandError(ErrorCodes.NamespaceNotFound, `ns does not exist: ${context.db}.${name}`);
  }
  const cursorOptions = optionalDocument(command, 'cursor');
  return context.cursors.open(
    `${context.db}.$cmd.listIndexes.${name}`,
    collection.indexSpecs()[Symbol.iterator](),
    {
      batchSize: cursorOptions?.batchSize === undefined ? undefined : Number(cursorOptions.batchSize),
    },
  );
};

const dropIndexes: CommandHandler = (command, context) => {
  const field = 'dropIndexes' in command ? 'dropIndexes' : 'deleteIndexes';
  const name = targetCollection(command, field);
  const collection = context.storage.getCollection(context.db, name);
  if (!collection) throw new CommandError(ErrorCodes.NamespaceNotFound, `ns not found ${context.db}.${name}`);
  const nIndexesWas = collection.indexes.length + 1;
  const target = command.index;

  if (target === '*') {
    for (const index of [...collection.indexes]) collection.dropIndex(index.name);
    return { nIndexesWas, msg: 'non-_id indexes dropped for collection', ok: 1 };
  }
  let names: string[];
  if (typeof target === 'string') names = [target];
  else if (Array.isArray(target) && target.every((item) => typeof item === 'string')) {
    names = target as string[];
  } else if (isPlainObject(target)) {
    if (sameKeyPattern(target, { _id: 1 })) {
      throw new CommandError(ErrorCodes.InvalidOptions, 'cannot drop _id index');
    }
    const matches = collection.indexes.filter((index) => sameKeyPattern(index.spec.key as Document, target));
    if (!matches.length) {
      throw new CommandError(ErrorCodes.IndexNotFound, `can't find index with key: ${formatValue(target)}`);
    }
    if (matches.length > 1) {
      throw new CommandError(
        ErrorCodes.IndexNotFound,
        `${matches.length} indexes found for key: ${formatValue(target)}, identify by name instead.`,
      );
    }
    names = [matches[0]!.name];
  } else {
    throw new CommandError(ErrorCodes.TypeMismatch, "BSON field 'dropIndexes.index' is the wrong type");
  }
  for (const indexName of names) {
    if (indexName === ID_INDEX_NAME) {
      throw new CommandError(ErrorCodes.InvalidOptions, 'cannot drop _id index');
    }
    if (!collection.findIndex(indexName)) {
      throw new CommandError(ErrorCodes.IndexNotFound, `index not found with name [${indexName}]`);
    }
  }
  for (const indexName of names) collection.dropIndex(indexName);
  return { nIndexesWas, ok: 1 };
};

export const catalogCommands: Record<string, CommandHandler> = {
  create,
  drop,
  dropDatabase,
  listCollections,
  listDatabases,
  createIndexes,
  listIndexes,
  dropIndexes,
  deleteIndexes: dropIndexes,
};
