import { ArgumentsHost, Catch } from '@nestjs/common';
import { BaseRpcExceptionFilter } from '@nestjs/microservices';
import { Observable, throwError } from 'rxjs';
import { recordFailure } from '../ctx-host/failure-record';
import { RedisStreamsContext } from '../ctx-host/redis-streams.context';

/**
 * Keeps a failed handler's original exception for the transport: its class, message and stack go into the
 * dead-letter record, and permanent failures (UnrecoverableEventError, a ValidationPipe's BadRequestException) are
 * recognised whatever they were wrapped in. Other transports' errors pass on to Nest's default handling.
 *
 * @example
 * app.useGlobalFilters(new RedisStreamsExceptionFilter());
 */
@Catch()
export class RedisStreamsExceptionFilter extends BaseRpcExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): Observable<unknown> {
    const context: unknown = host.switchToRpc().getContext();
    if (context instanceof RedisStreamsContext) {
      recordFailure(context, exception);
      return throwError(() => exception);
    }
    return super.catch(exception, host);
  }
}
