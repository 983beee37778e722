import net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP proxy between the app and a real server (MongoDB) that a test can cut and restore, to show
 * what the app does when the server goes away and comes back, without stopping the shared server.
 * While cut, open connections are dropped and new ones are closed at once.
 */
export class TcpProxy {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private cut = false;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {
    this.server = net.createServer((client) => {
      if (this.cut) return void client.destroy();
      const upstream = net.connect(this.targetPort, this.targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  }

  /** Proxies `mongodb://host:port/...` (the first host of the URI); returns the URI to give the app. */
  static forMongoUri(uri: string): { proxy: TcpProxy; uriThroughProxy: (port: number) => string } {
    const match = /^mongodb:\/\/(?:[^@/]*@)?([^:/,?]+)(?::(\d+))?/.exec(uri);
    if (!match?.[1]) throw new Error('TcpProxy: a mongodb:// URI with one host is needed');
    const proxy = new TcpProxy(match[1], Number(match[2] ?? 27017));
    const hostPart = `${match[1]}${match[2] ? `:${match[2]}` : ''}`;
    return { proxy, uriThroughProxy: (port) => uri.replace(hostPart, `127.0.0.1:${port}`) };
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  /** The server "goes away": every connection is dropped and new ones are refused. */
  cutOff(): void {
    this.cut = true;
    for (const s of this.sockets) s.destroy();
  }

  restore(): void {
    this.cut = false;
  }

  async close(): Promise<void> {
    this.cutOff();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
