import { LoggerService } from '@nestjs/common';
import type { MessageHandler } from '@nestjs/microservices';
import type { RedisConnection } from '../redis/redis-connection';
import { RedisStreamsContext } from '../ctx-host/redis-streams.context';
import { describeError } from '../errors/describe-error';
import { DecodeLimits, decodeEntry } from '../wire/entry-decoder';
import { informationalMessageFields } from '../wire/informational-message';
import { HandlerTable } from './handler-table';
import { Telemetry } from './telemetry';

/** What an {@link InformationalSubscriber} needs. */
export interface InformationalSubscriberDeps {
  /** A connection of its own: a subscribed connection can do nothing else. */
  connection: RedisConnection;
  table: HandlerTable;
  group: string;
  consumer: string;
  limits: DecodeLimits & { maxEntryBytes: number };
  /** Handlers of informational messages running at once; more are dropped (and counted). */
  concurrency: number;
  telemetry: Telemetry;
  logger: LoggerService;
  runHandler(handler: MessageHandler, data: unknown, context: RedisStreamsContext): Promise<void>;
}

/**
 * Informational events (routes with `durable: false`): SUBSCRIBEs to their channels and runs the same
 * `@EventPattern` handlers as for stream entries, at most once — a message that cannot be decoded, has no handler,
 * fails, or arrives while `concurrency` of them are running is counted and gone. ioredis re-subscribes after a
 * reconnect; what was published meanwhile is lost, as pub/sub promises.
 */
export class InformationalSubscriber {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly deps: InformationalSubscriberDeps) {}

  async start(): Promise<void> {
    const { connection, table } = this.deps;
    connection.on('messageBuffer', (channel: Buffer, message: Buffer) =>
      this.receive(channel.toString(), message),
    );
    await connection.subscribe(...table.channels());
  }

  /** Stops taking messages and waits up to `timeoutMs` for the running handlers. */
  async stop(timeoutMs: number): Promise<void> {
    const { connection, table } = this.deps;
    if (connection.status === 'ready') {
      await connection.unsubscribe(...table.channels()).catch(() => undefined);
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.running]),
      new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
  }

  private receive(channel: string, message: Buffer): void {
    const { deps } = this;
    deps.telemetry.informational('received');
    if (this.running.size >= deps.concurrency) {
      deps.telemetry.informational('dropped');
      return;
    }
    const run = this.handle(channel, message).finally(() => this.running.delete(run));
    this.running.add(run);
  }

  private async handle(channel: string, message: Buffer): Promise<void> {
    const { deps } = this;
    try {
      const route = deps.table.channelRoute(channel);
      const event = decodeEntry(informationalMessageFields(message, deps.limits), route, deps.limits);
      const bound = deps.table.resolveChannel(channel, event.pattern);
      if (!bound) {
        throw new Error(`no handler for "${event.pattern}" on channel ${channel}`);
      }
      const context = new RedisStreamsContext([
        channel,
        '',
        deps.group,
        deps.consumer,
        1,
        event.headers,
        event.extras,
        event.pattern,
        event.eventId,
        event.timestamp,
      ]);
      await deps.runHandler(bound.handler, event.data, context);
      deps.telemetry.informational('handled');
    } catch (error) {
      deps.telemetry.informational('failed');
      deps.logger.warn(
        `informational message on ${channel} not handled (not retried): ${describeError(error)}`,
      );
    }
  }
}
