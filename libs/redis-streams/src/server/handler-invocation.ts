import type { MessageHandler } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import { RedisStreamsContext } from '../ctx-host/redis-streams.context';
import { HandlerRejectionError } from '../errors/failure';

/**
 * Runs a Nest message handler to its end: its result awaited, an Observable drained. Settles only when the handler has
 * finished; a throw, a rejection or an erroring Observable rejects, always with an `Error`: anything else (Nest's RPC
 * filter rejects with an RpcException's payload) in a {@link HandlerRejectionError} that keeps it for classification.
 * (Nest's base `handleEvent` logs handler errors and resolves, which would ack a failure.)
 */
export async function invokeHandler(
  handler: MessageHandler,
  data: unknown,
  context: RedisStreamsContext,
): Promise<void> {
  try {
    const result: unknown = await handler(data, context);
    if (isObservable(result)) {
      await lastValueFrom(result, { defaultValue: undefined });
    }
  } catch (error) {
    throw error instanceof Error ? error : new HandlerRejectionError(error);
  }
}
