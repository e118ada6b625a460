import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { context as otelContext, propagation, trace } from '@opentelemetry/api';
import type { Request } from 'express';
import { Observable } from 'rxjs';
import { isValidTraceparent, runWithTraceparent } from '@app/redis-streams';

/**
 * Makes a request's W3C `traceparent` (and `tracestate`) the current trace context while its handler runs, so the
 * events it emits (`@EmitEvent`, `client.emit`) carry it in their `headers`. An absent, invalid or repeated
 * `traceparent` header is ignored. Works without an OpenTelemetry SDK (the transport's fallback carrier); with one
 * and a registered propagator, the headers are also extracted into the OpenTelemetry context — unless a span is
 * already active (HTTP instrumentation made one: it is the better parent).
 */
@Injectable()
export class TraceContextInterceptor implements NestInterceptor {
  intercept(execution: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (execution.getType() !== 'http') {
      return next.handle();
    }
    const { headers } = execution.switchToHttp().getRequest<Request>();
    const traceparent = single(headers.traceparent);
    if (!isValidTraceparent(traceparent)) {
      return next.handle();
    }
    const tracestate = single(headers.tracestate);
    const active = otelContext.active();
    const parent = trace.getSpanContext(active) ? active : propagation.extract(active, headers);
    // The handler is called on subscription: subscribing inside both contexts runs all of it (and its emits) there.
    return new Observable((subscriber) =>
      otelContext.with(parent, () =>
        runWithTraceparent(traceparent, () => next.handle().subscribe(subscriber), tracestate),
      ),
    );
  }
}

/** A header's value when it was sent exactly once (a repeated `traceparent` is invalid per W3C). */
function single(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
