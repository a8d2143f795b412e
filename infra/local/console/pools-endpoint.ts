import type { MongoClient } from 'mongodb';
import type { CodeType, PoolScope } from '../../../lib/codes/model.ts';
import type { ImportDocument } from '../../../lib/import/model.ts';
import type { PoolDocument } from '../../../lib/pools/model.ts';
import { gatewayError, gatewayJson } from '../gateway/response.ts';
import type { LocalEndpoint } from '../gateway/server.ts';

/**
 * `GET /dev/pools` (local only, read-only): every campaign and type the database knows of — those
 * with an import record or pool settings — so the console can offer them. The public API has no
 * route listing campaigns (contract §4: every route names its campaign), and codes only ever
 * arrive through imports, so these two small collections name every pool. What the console shows
 * about a pool it then reads through the public API (routes 9 and 10).
 */
export const DEV_POOLS_PATH = '/dev/pools';

export interface DatabaseAddress {
  uri: string;
  dbName: string;
}

export interface PoolsEndpoint {
  endpoint: LocalEndpoint;
  close(): Promise<void>;
}

/** The collections the functions keep them in (lib/import/record-store.ts, lib/mongo/collections.ts). */
const IMPORTS = 'imports';
const POOLS = 'pools';

async function knownPools(client: MongoClient, dbName: string): Promise<PoolScope[]> {
  const db = client.db(dbName);
  const [imports, pools] = await Promise.all([
    db
      .collection<ImportDocument>(IMPORTS)
      .find({ campaignId: { $type: 'string' }, type: { $type: 'string' } })
      .project<{ campaignId: string; type: CodeType }>({ _id: 0, campaignId: 1, type: 1 })
      .toArray(),
    db.collection<PoolDocument>(POOLS).find({}).project<{ _id: PoolDocument['_id'] }>({ _id: 1 }).toArray(),
  ]);
  const scopes = new Map<string, PoolScope>();
  for (const scope of [
    ...imports,
    ...pools.map(({ _id }) => ({ campaignId: _id.campaign_id, type: _id.type })),
  ]) {
    scopes.set(`${scope.campaignId}\n${scope.type}`, { campaignId: scope.campaignId, type: scope.type });
  }
  return [...scopes.values()].sort(
    (a, b) => a.campaignId.localeCompare(b.campaignId) || a.type.localeCompare(b.type),
  );
}

/**
 * The endpoint, reading the database the functions use once it is known (`database()` is undefined
 * while the stack starts: 503). Its client is connected on first use and closed by close().
 */
export function devPoolsEndpoint(database: () => DatabaseAddress | undefined): PoolsEndpoint {
  let connecting: Promise<MongoClient> | undefined;
  const client = async (uri: string): Promise<MongoClient> => {
    const { MongoClient } = await import('mongodb');
    const connected = new MongoClient(uri, { maxPoolSize: 2, appName: 'code-service-local-console' });
    await connected.connect();
    return connected;
  };
  return {
    endpoint: {
      method: 'GET',
      path: DEV_POOLS_PATH,
      handle: async () => {
        const address = database();
        if (!address) return gatewayError(503, 'Service Unavailable');
        connecting ??= client(address.uri).catch((error: unknown) => {
          connecting = undefined;
          throw error;
        });
        try {
          return gatewayJson(200, { pools: await knownPools(await connecting, address.dbName) });
        } catch (error) {
          return gatewayError(502, `Reading the database failed: ${(error as Error).message}`);
        }
      },
    },
    close: async () => {
      const open = connecting;
      connecting = undefined;
      await open?.then((connected) => connected.close()).catch(() => undefined);
    },
  };
}
