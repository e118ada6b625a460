import { LoggerService } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import type { RedisConnection } from '../redis/redis-connection';
import { describeError } from '../errors/describe-error';
import { Failure, HandlerRejectionError } from '../errors/failure';
import { DeliveryPolicy, backoffDelay } from '../options/delivery-policy';
import { RequestAddress } from '../wire/request-headers';
import { Reply, ReplyError, ReplyKind, ReplyLimits, encodeReply } from '../wire/reply-fields';
import { StreamKeys } from '../wire/stream-keys';
import { Telemetry } from './telemetry';

/** Most replies a reply stream keeps (approximately) when its caller does not read them: the rest are trimmed. */
export const REPLY_STREAM_MAX_LENGTH = 10_000;

/** What a {@link Replier} needs. */
export interface ReplierDeps {
  connection: RedisConnection;
  limits: ReplyLimits;
  /** Send error stacks to callers (the server's `replyErrorStack`). */
  errorStack: boolean;
  telemetry: Telemetry;
  logger: LoggerService;
}

/** Writes the answers of requests to their callers' reply streams. */
export class Replier {
  constructor(private readonly deps: ReplierDeps) {}

  /** Starts the answer of one request. */
  open(address: RequestAddress): Answer {
    return new Answer(this.deps, address);
  }
}

/**
 * The answer of one request, written as the handler produces it: every value but the last as a `next` reply, the
 * last one held back until the handler completes so a handler of one value answers with one entry (`last`). Each
 * reply is written with `NOMKSTREAM`: a caller whose reply stream is gone (closed, or dead and expired) gets nothing,
 * counted as dropped.
 */
export class Answer {
  private held: { value: unknown } | undefined;
  private readonly writes: Array<Promise<void>> = [];
  /** The first write that failed: kept, not left as a rejected promise nobody awaits yet (that would crash Node). */
  private writeFailure: { error: unknown } | undefined;
  private values = 0;

  constructor(
    private readonly deps: ReplierDeps,
    private readonly address: RequestAddress,
  ) {}

  /** True once a value went out to the caller (a failure can then no longer be retried without repeating it). */
  get started(): boolean {
    return this.values > (this.held ? 1 : 0);
  }

  /** True when the caller's deadline has passed. */
  expired(now = Date.now()): boolean {
    return now > this.address.deadline;
  }

  /** One value of the handler (its return value, or one of its Observable's). */
  readonly value = (value: unknown): void => {
    if (this.held) {
      this.track(this.write('next', this.held.value));
    }
    this.held = { value };
    this.values++;
  };

  /** The handler completed: the last value (or the bare end) goes out; resolves when every reply was written. */
  async complete(): Promise<void> {
    const held = this.held;
    this.held = undefined;
    this.track(held ? this.write('last', held.value) : this.write('complete', undefined));
    await this.settle();
  }

  /** The handler failed for good: the caller gets `error` as an RpcException's error. */
  async fail(error: unknown): Promise<void> {
    this.held = undefined;
    this.track(this.write('error', replyErrorOf(error, this.deps.errorStack)));
    await this.settle();
  }

  /** Waits for the writes so far; rejects with the first that failed (Redis refused, or the connection broke). */
  private async settle(): Promise<void> {
    await Promise.all(this.writes.splice(0));
    if (this.writeFailure) {
      throw this.writeFailure.error;
    }
  }

  private track(write: Promise<void>): void {
    this.writes.push(
      write.catch((error: unknown) => {
        this.writeFailure ??= { error };
      }),
    );
  }

  private async write(kind: ReplyKind, data: unknown): Promise<void> {
    const { deps, address } = this;
    if (!StreamKeys.isReplyStream(address.replyTo)) {
      // A request naming any other key would make this server write into someone else's stream.
      deps.logger.warn(`request ${address.correlationId}: reply_to is not a reply stream; reply dropped`);
      deps.telemetry.reply('dropped');
      return;
    }
    let fields: string[];
    const reply: Reply = { correlationId: address.correlationId, kind, data };
    try {
      fields = encodeReply(reply, deps.limits);
    } catch (error) {
      fields = encodeReply(
        {
          correlationId: address.correlationId,
          kind: 'error',
          data: {
            status: 'error',
            message: `the handler's reply could not be sent: ${describeError(error)}`,
          },
        },
        deps.limits,
      );
    }
    const id = await deps.connection.call(
      'XADD',
      address.replyTo,
      'NOMKSTREAM',
      'MAXLEN',
      '~',
      String(REPLY_STREAM_MAX_LENGTH),
      '*',
      ...fields,
    );
    deps.telemetry.reply(id === null ? 'dropped' : 'sent');
  }
}

/**
 * What the caller receives for a failed handler: an RpcException's own error as the handler gave it (Nest's
 * convention), else `{ status: 'error', message, name }` (and the stack only when configured).
 */
export function replyErrorOf(error: unknown, withStack: boolean): ReplyError | object {
  if (error instanceof HandlerRejectionError) {
    return replyErrorOf(error.cause, withStack);
  }
  if (error instanceof RpcException) {
    const inner = error.getError();
    return typeof inner === 'object' && inner !== null ? inner : { status: 'error', message: String(inner) };
  }
  if (error instanceof Error) {
    return {
      status: 'error',
      message: error.message,
      name: error.name,
      ...(withStack && error.stack ? { stack: error.stack } : {}),
    };
  }
  if (typeof error === 'object' && error !== null) {
    return error; // Nest's RPC filter rejects with an RpcException's payload: pass it on as the handler meant it
  }
  return { status: 'error', message: String(error) };
}

/**
 * True when a request's failure is answered now rather than retried: the handler meant it (an RpcException, or the
 * payload Nest's RPC filter made of one), it is permanent, a value already went out (a retry would repeat it), the
 * deliveries are used up, or the longest next backoff would end after the caller's deadline.
 */
export function answersFailureNow(
  answer: Answer,
  error: unknown,
  failure: Failure,
  deliveryCount: number,
  policy: DeliveryPolicy,
  now = Date.now(),
): boolean {
  const meant =
    error instanceof RpcException ||
    (error instanceof HandlerRejectionError && typeof error.cause === 'object' && error.cause !== null);
  return (
    meant ||
    failure.permanent ||
    answer.started ||
    deliveryCount >= policy.maxDeliveries ||
    answer.expired(now + backoffDelay(policy.backoff, deliveryCount, () => 1))
  );
}
