import { randomUUID } from 'node:crypto';
import type { WritePacket } from '@nestjs/microservices';
import { RequestTimeoutError } from '../errors/redis-streams.error';
import { Reply } from '../wire/reply-fields';
import type { ReplyInbox } from './reply-inbox';

/** Request-reply counters of a client since it was created. */
export interface RequestStats {
  /** Requests written. */
  sent: number;
  /** Calls that ended with their answer (a value, a completion or the handler's error). */
  answered: number;
  /** Calls that ended with a RequestTimeoutError. */
  timedOut: number;
  /** Calls whose subscriber unsubscribed before the answer. */
  cancelled: number;
  /** Calls that failed before or while writing the request (Redis refused it, the client closed …). */
  failed: number;
  /** Replies that came for no waiting call (late, after a timeout or a cancel; or repeated): dropped. */
  unclaimedReplies: number;
  /** Calls waiting now. */
  waiting: number;
}

/** One call on its way: its id, the time its caller stops waiting, and how it ends early. */
export interface OpenCall {
  correlationId: string;
  /** Epoch ms. */
  deadline: number;
  /** Ends the call with `error` (writing the request failed); nothing if it already ended. */
  fail(error: unknown): void;
  /** Ends the call because its subscriber left; a later reply is dropped and counted. */
  cancel(): void;
  /** False once the call ended (its request is then not written, if it was not yet). */
  isOpen(): boolean;
}

/**
 * The calls of one client waiting for their replies: each ends exactly once — answered (`last`, `complete` or
 * `error` reply), timed out, cancelled, failed, or closed with the client — and is forgotten by the inbox then.
 */
export class RequestCalls {
  private readonly open = new Map<string, (error: Error) => void>();
  private readonly counts = {
    sent: 0,
    answered: 0,
    timedOut: 0,
    cancelled: 0,
    failed: 0,
    unclaimedReplies: 0,
  };

  constructor(private readonly inbox: Pick<ReplyInbox, 'expect' | 'forget'>) {}

  /** Starts a call to `pattern` answered through `callback` (Nest's WritePacket protocol). */
  start(pattern: string, timeoutMs: number, callback: (packet: WritePacket) => void): OpenCall {
    const correlationId = randomUUID();
    let ended = false;
    const end = (): boolean => {
      if (ended) {
        return false;
      }
      ended = true;
      clearTimeout(timer);
      this.inbox.forget(correlationId);
      this.open.delete(correlationId);
      return true;
    };
    const fail = (error: unknown, counter: 'failed' | 'timedOut'): void => {
      if (end()) {
        this.counts[counter]++;
        callback({ err: error, isDisposed: true });
      }
    };
    const timer = setTimeout(() => fail(new RequestTimeoutError(pattern, timeoutMs), 'timedOut'), timeoutMs);
    this.open.set(correlationId, (error) => fail(error, 'failed'));
    this.inbox.expect(correlationId, (reply) => this.receive(reply, end, callback));
    return {
      correlationId,
      deadline: Date.now() + timeoutMs,
      fail: (error) => fail(error, 'failed'),
      cancel: () => {
        if (end()) {
          this.counts.cancelled++;
        }
      },
      isOpen: () => !ended,
    };
  }

  /** A request was written. */
  sent(): void {
    this.counts.sent++;
  }

  /** A reply came for no waiting call. */
  unclaimed(): void {
    this.counts.unclaimedReplies++;
  }

  /** Ends every waiting call with `error` (the client closes). */
  failAll(error: Error): void {
    for (const fail of [...this.open.values()]) {
      fail(error);
    }
  }

  stats(): RequestStats {
    return { ...this.counts, waiting: this.open.size };
  }

  private receive(reply: Reply, end: () => boolean, callback: (packet: WritePacket) => void): void {
    switch (reply.kind) {
      case 'next':
        callback({ response: reply.data });
        return;
      case 'last':
        if (end()) {
          this.counts.answered++;
          callback({ response: reply.data }); // an undefined value is a value too, as on Nest's other transports
          callback({ isDisposed: true });
        }
        return;
      case 'complete':
        if (end()) {
          this.counts.answered++;
          callback({ isDisposed: true });
        }
        return;
      case 'error':
        if (end()) {
          this.counts.answered++;
          callback({
            err: reply.data ?? { status: 'error', message: 'the handler failed' },
            isDisposed: true,
          });
        }
        return;
    }
  }
}
