import type { MessageHandler } from '@nestjs/microservices';
import { Observable, isObservable, lastValueFrom } from 'rxjs';
import { RedisStreamsContext } from '../ctx-host/redis-streams.context';
import { HandlerRejectionError } from '../errors/failure';

/** Receives each value a request handler produces (its return value, or each value of its Observable). */
export type ValueSink = (value: unknown) => void;

/**
 * Runs a Nest message handler to its end: its result awaited, an Observable drained. Settles only when the handler has
 * finished; a throw, a rejection or an erroring Observable rejects, always with an `Error`: anything else (Nest's RPC
 * filter rejects with an RpcException's payload) in a {@link HandlerRejectionError} that keeps it for classification.
 * With `onValue` (a request's handler) every value is passed on as it comes. (Nest's base `handleEvent` logs handler
 * errors and resolves, which would ack a failure.)
 */
export async function invokeHandler(
  handler: MessageHandler,
  data: unknown,
  context: RedisStreamsContext,
  onValue?: ValueSink,
): Promise<void> {
  try {
    const result: unknown = await handler(data, context);
    if (isObservable(result)) {
      await (onValue ? forEachValue(result, onValue) : lastValueFrom(result, { defaultValue: undefined }));
    } else if (onValue) {
      onValue(result);
    }
  } catch (error) {
    throw error instanceof Error ? error : new HandlerRejectionError(error);
  }
}

function forEachValue(values: Observable<unknown>, onValue: ValueSink): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    values.subscribe({ next: onValue, error: reject, complete: resolve });
  });
}
