import { AddressInfo, Server, Socket, createServer, connect } from 'node:net';

interface Gate {
  word: Buffer;
  needed: number;
  buffered: Buffer[];
  release: (count: number) => void;
}

/** Occurrences of `word` in `data`. */
function occurrences(data: Buffer, word: Buffer): number {
  let seen = 0;
  for (let at = data.indexOf(word); at !== -1; at = data.indexOf(word, at + 1)) {
    seen++;
  }
  return seen;
}

/**
 * A loopback TCP proxy in front of Redis that lets a test see and disturb what crosses the wire:
 * - `hold(command, n)`: forwards nothing the client sends until `n` occurrences of `command` are buffered (a client
 *   that waited for each reply before sending the next command could never get there);
 * - `sent(command)`: how often the clients sent `command` so far;
 * - `dropReplyContaining(marker)`: the next reply that contains `marker` is never delivered: the connection is cut
 *   instead (a reply lost with the network).
 */
export class RedisProxy {
  private readonly sockets = new Set<Socket>();
  private readonly counted = new Map<string, number>();
  private gate: Gate | undefined;
  private dropMarker: Buffer | undefined;
  private dropped = 0;

  private constructor(private readonly server: Server) {}

  static async start(targetPort: number): Promise<RedisProxy> {
    const holder: { proxy?: RedisProxy } = {};
    const server = createServer((client) => {
      const proxy = holder.proxy as RedisProxy;
      const upstream = connect(targetPort, '127.0.0.1');
      proxy.sockets.add(client).add(upstream);
      const end = (): void => {
        client.destroy();
        upstream.destroy();
      };
      upstream.on('data', (chunk: Buffer) => proxy.reply(chunk, client, end));
      client.on('data', (chunk: Buffer) => proxy.forward(chunk, upstream));
      client.on('close', end).on('error', end);
      upstream.on('close', end).on('error', end);
    });
    const proxy = new RedisProxy(server);
    holder.proxy = proxy;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  /** A proxy in front of the Redis the integration tests use (REDIS_URL). */
  static inFrontOfTestRedis(): Promise<RedisProxy> {
    return RedisProxy.start(Number(new URL(process.env.REDIS_URL as string).port || 6379));
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Holds client data until `count` occurrences of `command` are buffered; resolves with how many were seen. */
  hold(command: string, count: number): Promise<number> {
    return new Promise((release) => {
      this.gate = { word: Buffer.from(command), needed: count, buffered: [], release };
    });
  }

  /** Starts counting `command` in what clients send (from now on). */
  count(command: string): void {
    this.counted.set(command, 0);
  }

  /** How often clients sent `command` since `count(command)`. */
  sent(command: string): number {
    return this.counted.get(command) ?? 0;
  }

  /** Cuts the connection instead of delivering the next reply that contains `marker`. */
  dropReplyContaining(marker: string): void {
    this.dropMarker = Buffer.from(marker);
  }

  /** Cuts the connection instead of delivering the next reply, whatever it is (a reply lost with the network). */
  dropNextReply(): void {
    this.dropMarker = Buffer.alloc(0);
  }

  /** Replies dropped so far. */
  get droppedReplies(): number {
    return this.dropped;
  }

  async close(): Promise<void> {
    this.sockets.forEach((socket) => socket.destroy());
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private forward(chunk: Buffer, upstream: Socket): void {
    for (const command of this.counted.keys()) {
      this.counted.set(command, (this.counted.get(command) ?? 0) + occurrences(chunk, Buffer.from(command)));
    }
    const gate = this.gate;
    if (!gate) {
      upstream.write(chunk);
      return;
    }
    gate.buffered.push(chunk);
    const all = Buffer.concat(gate.buffered);
    const seen = occurrences(all, gate.word);
    if (seen >= gate.needed) {
      this.gate = undefined;
      upstream.write(all);
      gate.release(seen);
    }
  }

  private reply(chunk: Buffer, client: Socket, cut: () => void): void {
    if (this.dropMarker && chunk.includes(this.dropMarker)) {
      this.dropMarker = undefined;
      this.dropped++;
      cut();
      return;
    }
    client.write(chunk);
  }
}
