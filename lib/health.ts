import { getMongoClient } from './mongo/client.ts';
import { dbCall } from './mongo/instrument.ts';

export interface Health {
  status: 'ok' | 'unavailable';
  checks: { mongo: boolean };
}

/** Liveness of the service's dependencies: MongoDB answers a ping (contract §4 route 7). */
export async function checkHealth(): Promise<Health> {
  const mongo = await getMongoClient()
    .then((client) => dbCall('ping', () => client.db('admin').command({ ping: 1 })))
    .then(
      () => true,
      () => false,
    );
  return { status: mongo ? 'ok' : 'unavailable', checks: { mongo } };
}
