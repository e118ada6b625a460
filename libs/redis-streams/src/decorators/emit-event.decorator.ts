import 'reflect-metadata';
import { SetMetadata } from '@nestjs/common';
import { isObservable, lastValueFrom } from 'rxjs';
import { DEFAULT_EMITTER, boundEmitter } from './emit-event-binding';

/** Options of {@link EmitEvent}. */
export interface EmitEventOptions {
  /** The `name` given to `RedisStreamsModule.forRoot({ name })`. Default: the unnamed client. */
  client?: string | symbol;
}

/** What `@EmitEvent` records on a method: one item per `@EmitEvent` stacked on it. */
export interface EmitEventMetadata {
  pattern: string;
  client: string | symbol;
}

/** The metadata key under which `@EmitEvent` records its {@link EmitEventMetadata} list on the method. */
export const EMIT_EVENT_METADATA = 'nest-redis-streams:emit-event';

type AsyncMethod = (...args: never[]) => unknown;

/**
 * Emits the decorated method's result as an event of `pattern` once the method has resolved (a Promise's value, an
 * Observable's last value), and resolves with that result only after Redis accepted the entry (so a caller that got a
 * result knows the event is stored). When the method throws, nothing is emitted; when the emit fails, the call
 * rejects with the Redis error. The event goes through the client of the instance's own app (its
 * `RedisStreamsModule`, the one registered under `options.client` when named), which that module binds to the app's
 * singleton providers and controllers when the app initialises.
 *
 * @example
 * ＠EmitEvent('order.created')
 * async create(dto: CreateOrderDto): Promise<OrderCreated> { … return event; }
 */
export function EmitEvent(pattern: string, options: EmitEventOptions = {}): MethodDecorator {
  return <T>(target: object, key: string | symbol, descriptor: TypedPropertyDescriptor<T>) => {
    const original = descriptor.value as unknown;
    if (typeof original !== 'function') {
      throw new TypeError(`@EmitEvent('${pattern}') must decorate a method (${String(key)})`);
    }
    const method = original as AsyncMethod;
    const client = options.client ?? DEFAULT_EMITTER;
    const where = `@EmitEvent('${pattern}') on ${target.constructor.name}.${String(key)}`;
    // The router and the microservice listeners keep the prototype's function before any module initialises, so
    // the method is replaced here, once per class; the client is looked up per instance, per call.
    const wrapped = async function (this: unknown, ...args: never[]): Promise<unknown> {
      boundEmitter(this, client, where); // an instance no app serves fails before the method's side effects
      const returned = await method.apply(this, args);
      // A cold Observable runs once, here: the caller gets its last value, not a second subscription.
      const result = isObservable(returned)
        ? await lastValueFrom(returned, { defaultValue: undefined })
        : returned;
      // Looked up again: an app that closed meanwhile has unbound its client, which must not reconnect.
      await lastValueFrom(boundEmitter(this, client, where).emit(pattern, result));
      return result;
    };
    // Keep what other decorators (@Post, @Get …, an inner @EmitEvent) stored on the original method.
    for (const metadataKey of Reflect.getMetadataKeys(method)) {
      Reflect.defineMetadata(metadataKey, Reflect.getMetadata(metadataKey, method), wrapped);
    }
    Object.defineProperty(wrapped, 'name', { value: method.name });
    const inner = (Reflect.getMetadata(EMIT_EVENT_METADATA, method) ?? []) as EmitEventMetadata[];
    descriptor.value = wrapped as T;
    return SetMetadata(EMIT_EVENT_METADATA, [...inner, { pattern, client }])(target, key, descriptor);
  };
}
