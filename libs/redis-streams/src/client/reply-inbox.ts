import { LoggerService } from '@nestjs/common';
import type { RedisConnection } from '../redis/redis-connection';
import { describeError } from '../errors/describe-error';
import { parseReadReply } from '../redis/stream-replies';
import { REPLY_STREAM_OPENING, Reply, decodeReply } from '../wire/reply-fields';

/** What a {@link ReplyInbox} needs. */
export interface ReplyInboxDeps {
  /** The client's command connection (creates, refreshes and deletes the stream; deletes read replies). */
  commands(): RedisConnection | Promise<RedisConnection>;
  /** Opens the connection the inbox blocks on (one per inbox; closed with it). */
  openBlocking(): Promise<RedisConnection>;
  /** The reply stream of this client instance. */
  stream: string;
  /** The stream expires this long after the instance stopped refreshing it (ms). */
  ttlMs: number;
  /** How long one XREAD waits (ms). */
  blockMs: number;
  maxDepth: number;
  logger: LoggerService;
  /** A reply came for a call nobody waits for any more (timed out, unsubscribed, or answered already). */
  onUnclaimed(): void;
}

/** Receives the replies of one call. */
export type ReplyReceiver = (reply: Reply) => void;

/**
 * The reply stream of one client instance, read without a group (nobody else reads it): it exists, with a TTL
 * refreshed every third of it, from the first request until {@link close} deletes it, so the replies to a dead
 * instance expire with its stream. Servers write with `NOMKSTREAM`, so no reply ever creates a stream nobody reads.
 * Each reply goes to the call waiting for its correlation id; the entries read are deleted.
 */
export class ReplyInbox {
  private readonly receivers = new Map<string, ReplyReceiver>();
  private opening: Promise<void> | undefined;
  private blocking: RedisConnection | undefined;
  private lastId = '0-0';
  private refresh: NodeJS.Timeout | undefined;
  private reading: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly deps: ReplyInboxDeps) {}

  /** The reply stream's key. */
  get stream(): string {
    return this.deps.stream;
  }

  /** Creates the stream and starts reading it (once; later calls wait for the first). */
  open(): Promise<void> {
    this.opening ??= this.start().catch((error: unknown) => {
      this.opening = undefined; // the next request tries again
      throw error;
    });
    return this.opening;
  }

  /** Routes the replies of call `correlationId` to `receiver` until {@link forget}. */
  expect(correlationId: string, receiver: ReplyReceiver): void {
    this.receivers.set(correlationId, receiver);
  }

  /** Stops routing replies of `correlationId`: later ones are dropped and counted. */
  forget(correlationId: string): void {
    this.receivers.delete(correlationId);
  }

  /** Stops reading and deletes the stream; replies still on their way are dropped by the servers (NOMKSTREAM). */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.refresh);
    this.blocking?.disconnect(); // ends the blocked XREAD at once
    await this.opening?.catch(() => undefined); // a start in progress sees `closed` and lets its connection go
    await this.reading;
    if (this.opening) {
      try {
        const commands = await this.deps.commands();
        await commands.del(this.deps.stream);
      } catch (error) {
        this.deps.logger.warn(`reply stream not deleted (it expires by itself): ${describeError(error)}`);
      }
    }
  }

  private async start(): Promise<void> {
    if (this.closed) {
      return;
    }
    await this.create();
    const blocking = await this.deps.openBlocking();
    if (this.closed) {
      blocking.disconnect(); // closed while opening: nothing may outlive close()
      return;
    }
    this.blocking = blocking;
    const every = Math.max(10, Math.floor(this.deps.ttlMs / 3));
    this.refresh = setInterval(() => void this.keepAlive(), every);
    this.refresh.unref();
    this.reading = this.read(blocking);
  }

  /** XADD of an opening entry (a stream cannot exist empty) and its TTL, together. */
  private async create(): Promise<void> {
    const { stream, ttlMs } = this.deps;
    const commands = await this.deps.commands();
    const results = await commands
      .multi()
      .xadd(stream, '*', ...REPLY_STREAM_OPENING)
      .pexpire(stream, ttlMs)
      .exec();
    const failed = results?.find(([error]) => error);
    if (!results || failed) {
      throw failed?.[0] ?? new Error('reply stream not created (transaction aborted)');
    }
    this.lastId = String(results[0][1]); // only what comes after the opening entry is read
  }

  /** Pushes the expiry back; a stream that is gone (Redis restarted, flushed) is created again. */
  private async keepAlive(): Promise<void> {
    if (this.closed) {
      return;
    }
    try {
      const commands = await this.deps.commands();
      const kept = await commands.pexpire(this.deps.stream, this.deps.ttlMs);
      if (kept === 0 && !this.closed) {
        this.deps.logger.warn(`reply stream ${this.deps.stream} was gone; created again`);
        await this.create();
      }
    } catch (error) {
      this.deps.logger.warn(`reply stream TTL not refreshed: ${describeError(error)}`);
    }
  }

  private async read(blocking: RedisConnection): Promise<void> {
    const { stream, blockMs } = this.deps;
    let failures = 0;
    while (!this.closed) {
      let reply: unknown;
      try {
        reply = await blocking.callBuffer(
          'XREAD',
          'COUNT',
          '100',
          'BLOCK',
          String(blockMs),
          'STREAMS',
          stream,
          this.lastId,
        );
        failures = 0;
      } catch (error) {
        if (this.closed) {
          return;
        }
        failures++;
        this.deps.logger.warn(`reading replies failed, trying again: ${describeError(error)}`);
        await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 100 * 2 ** Math.min(failures, 6))));
        continue;
      }
      this.deliver(reply);
    }
  }

  private deliver(reply: unknown): void {
    const ids: string[] = [];
    for (const batch of parseReadReply(reply)) {
      for (const entry of batch.entries) {
        ids.push(entry.id);
        this.lastId = entry.id;
        const decoded = decodeReply(entry.fields, this.deps.maxDepth);
        if (!decoded) {
          continue;
        }
        const receiver = this.receivers.get(decoded.correlationId);
        if (receiver) {
          receiver(decoded);
        } else {
          this.deps.onUnclaimed();
        }
      }
    }
    if (ids.length > 0) {
      // Best effort: what is left is trimmed by the servers' MAXLEN and goes with the stream.
      Promise.resolve(this.deps.commands())
        .then((commands) => commands.xdel(this.deps.stream, ...ids))
        .catch(() => undefined);
    }
  }
}
