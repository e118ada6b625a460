import { AddressInfo, Server, Socket, createServer, connect } from 'node:net';

/**
 * A loopback TCP proxy in front of Redis. While `hold(n)` is armed it forwards nothing the client sends until it has
 * buffered `n` occurrences of a command name: a client that waited for each reply before sending the next command
 * could never get there.
 */
export class GateProxy {
  private readonly sockets = new Set<Socket>();
  private gate:
    | { word: Buffer; needed: number; buffered: Buffer[]; release: (count: number) => void }
    | undefined;

  private constructor(private readonly server: Server) {}

  static async start(targetPort: number): Promise<GateProxy> {
    const holder: { proxy?: GateProxy } = {};
    const server = createServer((client) => {
      const proxy = holder.proxy;
      const upstream = connect(targetPort, '127.0.0.1');
      proxy?.sockets.add(client).add(upstream);
      upstream.on('data', (chunk: Buffer) => client.write(chunk));
      client.on('data', (chunk: Buffer) => proxy?.forward(chunk, upstream));
      const end = (): void => {
        client.destroy();
        upstream.destroy();
      };
      client.on('close', end).on('error', end);
      upstream.on('close', end).on('error', end);
    });
    const proxy = new GateProxy(server);
    holder.proxy = proxy;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Holds client data until `count` occurrences of `command` are buffered; resolves with how many were seen. */
  hold(command: string, count: number): Promise<number> {
    return new Promise((release) => {
      this.gate = { word: Buffer.from(command), needed: count, buffered: [], release };
    });
  }

  async close(): Promise<void> {
    this.sockets.forEach((socket) => socket.destroy());
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private forward(chunk: Buffer, upstream: Socket): void {
    const gate = this.gate;
    if (!gate) {
      upstream.write(chunk);
      return;
    }
    gate.buffered.push(chunk);
    const all = Buffer.concat(gate.buffered);
    let seen = 0;
    for (let at = all.indexOf(gate.word); at !== -1; at = all.indexOf(gate.word, at + 1)) {
      seen++;
    }
    if (seen >= gate.needed) {
      this.gate = undefined;
      upstream.write(all);
      gate.release(seen);
    }
  }
}
