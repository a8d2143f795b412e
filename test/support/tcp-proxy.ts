import type { AddressInfo } from 'node:net';
import { connect, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  host: string;
  port: number;
  /** `host:port` of the proxy. */
  address: string;
  /** Destroys every open connection and refuses new ones: the target looks unreachable. */
  cut(): void;
  /** Accepts connections again. */
  restore(): void;
  /**
   * Stops passing on what clients send (open connections and new ones alike) until release():
   * the target looks stalled — a request hangs rather than fails.
   */
  hold(): void;
  /** Passes on what was held and everything after it. */
  release(): void;
  stop(): Promise<void>;
}

/**
 * A TCP proxy in front of a server (`host:port`), for making a dependency unreachable in the
 * middle of an operation without stopping it for everyone (other test files share the server).
 */
export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const separator = target.lastIndexOf(':');
  const targetHost = target.slice(0, separator).replace(/^\[(.*)\]$/, '$1');
  const targetPort = Number(target.slice(separator + 1));
  const open = new Set<Socket>();
  let refusing = false;
  let holding = false;
  let held: Array<() => void> = [];
  const track = (socket: Socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server = createServer((client) => {
    track(client);
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, targetHost);
    track(upstream);
    // Client to target by hand rather than with pipe(), so that hold() can stop it mid-connection.
    // The client is paused while the target is slow to take data (back-pressure) or while held.
    const forward = (chunk: Buffer) => {
      if (upstream.write(chunk)) return;
      client.pause();
      upstream.once('drain', () => (holding ? held.push(() => client.resume()) : client.resume()));
    };
    client.on('data', (chunk: Buffer) => {
      if (!holding) return forward(chunk);
      client.pause();
      held.push(() => {
        forward(chunk);
        if (!upstream.writableNeedDrain) client.resume();
      });
    });
    client.on('end', () => upstream.end());
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const cutAll = () => {
    for (const socket of open) socket.destroy();
    open.clear();
  };
  return {
    host: '127.0.0.1',
    port,
    address: `127.0.0.1:${port}`,
    cut: () => {
      refusing = true;
      cutAll();
    },
    restore: () => {
      refusing = false;
    },
    hold: () => {
      holding = true;
    },
    release: () => {
      holding = false;
      const waiting = held;
      held = [];
      for (const resume of waiting) resume();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        cutAll();
        server.close(() => resolve());
      }),
  };
}

/**
 * The MongoDB URI that reaches the same server through the proxy: same database and options, the
 * host replaced, and a direct connection (a replica set's members would otherwise be discovered
 * and reached without the proxy). Single-host `mongodb://` URIs only.
 */
export function mongoUriVia(uri: string, proxy: Pick<TcpProxy, 'address'>): string {
  const url = new URL(uri);
  if (url.protocol !== 'mongodb:' || url.host.includes(',')) {
    throw new Error('mongoUriVia supports single-host mongodb:// URIs only');
  }
  url.host = proxy.address;
  url.searchParams.set('directConnection', 'true');
  return url.toString();
}

/** `host:port` of a single-host mongodb:// URI. */
export function mongoHostOf(uri: string): string {
  const url = new URL(uri);
  return `${url.hostname}:${url.port || '27017'}`;
}
