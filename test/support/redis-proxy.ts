import { AddressInfo, Server, Socket, createServer, connect } from 'node:net';

interface Gate {
  word: Buffer;
  needed: number;
  buffered: Buffer[];
  release: (count: number) => void;
}

/** A rule of {@link RedisProxy.dropReplies}. */
export interface ReplyDropRule {
  /** Applies to replies on connections whose latest client data contained this command (e.g. `XADD`, any case). */
  after: string;
  /** Chance (0–1) that such a reply is dropped. */
  probability: number;
  /** Only replies of at least this many bytes (e.g. to spare an empty XREADGROUP's `*-1`). Default 0. */
  minBytes?: number;
}

/** One client connection and its connection to Redis. */
interface Link {
  client: Socket;
  upstream: Socket | undefined;
  /** The latest chunk the client sent (what the next reply answers, near enough). */
  lastSent: Buffer;
  /** Data held while the network is silent, in each direction. */
  toUpstream: Buffer[];
  toClient: Buffer[];
  /** The client went away while the network was silent: Redis learns it when the network comes back. */
  clientGone: boolean;
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
 *   instead (a reply lost with the network);
 * - `dropReplies(rules)`: from now on, replies to the given commands are cut at random (a lossy network);
 * - `silence()` / `heal()`: nothing crosses in either direction and nobody is told (no RST, no FIN), as when a
 *   network drops every packet; on heal what was held is delivered, like TCP retransmissions, and connections a
 *   client closed meanwhile are closed towards Redis only then.
 */
export class RedisProxy {
  private readonly links = new Set<Link>();
  private readonly counted = new Map<string, number>();
  private gate: Gate | undefined;
  private dropMarker: Buffer | undefined;
  private dropRules: Array<ReplyDropRule & { words: Buffer[] }> = [];
  private readonly droppedByRule = new Map<string, number>();
  private silent = false;
  private dropped = 0;

  private constructor(
    private readonly server: Server,
    private readonly targetPort: number,
  ) {}

  static async start(targetPort: number): Promise<RedisProxy> {
    const holder: { proxy?: RedisProxy } = {};
    const server = createServer((client) => (holder.proxy as RedisProxy).accept(client));
    const proxy = new RedisProxy(server, targetPort);
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

  /** From now on, cuts connections at random instead of delivering replies that match a rule (none: stop). */
  dropReplies(rules: readonly ReplyDropRule[]): void {
    this.dropRules = rules.map((rule) => ({
      ...rule,
      // ioredis sends a method's command name in lower case (`xadd`), `call('XADD')` as given.
      words: [Buffer.from(rule.after.toUpperCase()), Buffer.from(rule.after.toLowerCase())],
    }));
  }

  /** Replies dropped so far by the {@link dropReplies} rule for `after`. */
  droppedAfter(after: string): number {
    return this.droppedByRule.get(after) ?? 0;
  }

  /** Replies dropped so far. */
  get droppedReplies(): number {
    return this.dropped;
  }

  /** Stops forwarding anything, in both directions, without telling either side. */
  silence(): void {
    this.silent = true;
  }

  /** Ends a {@link silence}: held data is delivered; connections closed meanwhile are closed towards Redis now. */
  heal(): void {
    this.silent = false;
    for (const link of [...this.links]) {
      if (!link.upstream) {
        this.dial(link);
      }
      const upstream = link.upstream as Socket;
      for (const chunk of link.toUpstream.splice(0)) {
        this.forward(chunk, link);
      }
      if (link.clientGone) {
        upstream.end();
        this.links.delete(link);
        continue;
      }
      for (const chunk of link.toClient.splice(0)) {
        this.reply(chunk, link);
      }
    }
  }

  async close(): Promise<void> {
    for (const link of this.links) {
      link.client.destroy();
      link.upstream?.destroy();
    }
    this.links.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    const link: Link = {
      client,
      upstream: undefined,
      lastSent: Buffer.alloc(0),
      toUpstream: [],
      toClient: [],
      clientGone: false,
    };
    this.links.add(link);
    if (!this.silent) {
      this.dial(link); // while silent, the connection to Redis is only made when the network comes back
    }
    client.on('data', (chunk: Buffer) => {
      if (this.silent || !link.upstream) {
        link.toUpstream.push(chunk);
        return;
      }
      this.forward(chunk, link);
    });
    const clientEnded = (): void => {
      if (this.silent) {
        link.clientGone = true; // Redis is not told until the network heals
        return;
      }
      this.cut(link);
    };
    client.on('close', clientEnded).on('error', clientEnded);
  }

  private dial(link: Link): void {
    const upstream = connect(this.targetPort, '127.0.0.1');
    link.upstream = upstream;
    upstream.on('data', (chunk: Buffer) => {
      if (this.silent) {
        link.toClient.push(chunk);
        return;
      }
      this.reply(chunk, link);
    });
    upstream.on('close', () => this.cut(link)).on('error', () => this.cut(link));
  }

  private cut(link: Link): void {
    link.client.destroy();
    link.upstream?.destroy();
    this.links.delete(link);
  }

  private forward(chunk: Buffer, link: Link): void {
    link.lastSent = chunk;
    for (const command of this.counted.keys()) {
      this.counted.set(command, (this.counted.get(command) ?? 0) + occurrences(chunk, Buffer.from(command)));
    }
    const upstream = link.upstream as Socket;
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

  private reply(chunk: Buffer, link: Link): void {
    if (this.dropMarker && chunk.includes(this.dropMarker)) {
      this.dropMarker = undefined;
      this.drop(link);
      return;
    }
    const rule = this.dropRules.find(
      (candidate) =>
        candidate.words.some((word) => link.lastSent.includes(word)) &&
        chunk.length >= (candidate.minBytes ?? 0),
    );
    if (rule && Math.random() < rule.probability) {
      this.droppedByRule.set(rule.after, this.droppedAfter(rule.after) + 1);
      this.drop(link);
      return;
    }
    link.client.write(chunk);
  }

  private drop(link: Link): void {
    this.dropped++;
    this.cut(link);
  }
}
