import 'reflect-metadata';
import { lastValueFrom } from 'rxjs';
import { DEFAULT_EMITTER, getEmitter } from './emitter-registry';

/** Options of {@link EmitEvent}. */
export interface EmitEventOptions {
  /** The `name` given to `RedisStreamsModule.forRoot({ name })`. Default: the unnamed client. */
  client?: string | symbol;
}

type AsyncMethod = (...args: never[]) => unknown;

/**
 * Emits the decorated method's result as an event of `pattern` once the method has resolved, and resolves only
 * after Redis accepted the entry (so a caller that got a result knows the event is stored). When the method throws,
 * nothing is emitted; when the emit fails, the call rejects with the Redis error.
 *
 * @example
 * ＠EmitEvent('order.created')
 * async create(dto: CreateOrderDto): Promise<OrderCreated> { … return event; }
 */
export function EmitEvent(pattern: string, options: EmitEventOptions = {}): MethodDecorator {
  return <T>(_target: object, key: string | symbol, descriptor: TypedPropertyDescriptor<T>) => {
    const original = descriptor.value as unknown;
    if (typeof original !== 'function') {
      throw new TypeError(`@EmitEvent('${pattern}') must decorate a method (${String(key)})`);
    }
    const method = original as AsyncMethod;
    const wrapped = async function (this: unknown, ...args: never[]): Promise<unknown> {
      const result = await method.apply(this, args);
      await lastValueFrom(getEmitter(options.client ?? DEFAULT_EMITTER).emit(pattern, result));
      return result;
    };
    // Keep what other decorators (@Post, @Get …) stored on the original method.
    for (const metadataKey of Reflect.getMetadataKeys(method)) {
      Reflect.defineMetadata(metadataKey, Reflect.getMetadata(metadataKey, method), wrapped);
    }
    Object.defineProperty(wrapped, 'name', { value: method.name });
    descriptor.value = wrapped as T;
    return descriptor;
  };
}
