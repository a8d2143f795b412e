import { once } from 'node:events';
import type { Server } from 'node:net';

/**
 * Starts a local server listening (127.0.0.1 unless told otherwise; port 0 = any free port) and
 * resolves with the bound port; a bind error (port in use) rejects.
 */
export async function listenLocal(server: Server, port = 0, host = '127.0.0.1'): Promise<number> {
  server.listen({ port, host, exclusive: true });
  await once(server, 'listening');
  const address = server.address();
  return typeof address === 'object' && address ? address.port : port;
}
