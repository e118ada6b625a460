import { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper';
import { InvalidOptionsError } from '../errors/redis-streams.error';
import { EventEmitterClient, bindEmitter, unbindEmitter } from './emit-event-binding';
import { EMIT_EVENT_METADATA, EmitEventMetadata } from './emit-event.decorator';

/**
 * Binds one RedisStreamsModule's client to the `@EmitEvent` methods that name it, in every provider and controller of
 * the app (found with Nest's DiscoveryService and MetadataScanner when the module initialises), and unbinds it when
 * the app shuts down. RedisStreamsModule creates one per registered client.
 */
export class EmitEventExplorer implements OnModuleInit, OnApplicationShutdown {
  private readonly bound: object[] = [];

  constructor(
    private readonly name: string | symbol,
    private readonly client: EventEmitterClient,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  /** Binds the client to every instance with an `@EmitEvent` method for it. */
  onModuleInit(): void {
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      this.bindWrapper(wrapper);
    }
  }

  /** Unbinds it, so a closed app's instances cannot reopen its closed client. */
  onApplicationShutdown(): void {
    for (const instance of this.bound.splice(0)) {
      unbindEmitter(instance, this.name, this.client);
    }
  }

  private bindWrapper(wrapper: InstanceWrapper): void {
    const instance: unknown = wrapper.instance;
    if (wrapper.isAlias || !isObject(instance) || !this.emitsThroughClient(instance)) {
      return;
    }
    if (!wrapper.isDependencyTreeStatic()) {
      // A per-request instance is created after this ran, with nothing to bind it: refuse now, not at the first call.
      throw new InvalidOptionsError(
        `@EmitEvent cannot be used in ${instance.constructor.name}: it is request-scoped (or depends on a ` +
          'request-scoped provider); inject ClientRedisStreams there and emit instead',
      );
    }
    const transients = wrapper.getStaticTransientInstances().map((context) => context?.instance as unknown);
    for (const target of [instance, ...transients]) {
      if (isObject(target)) {
        bindEmitter(target, this.name, this.client);
        this.bound.push(target);
      }
    }
  }

  /** Whether a method of `instance` carries an `@EmitEvent` for this client. */
  private emitsThroughClient(instance: object): boolean {
    const prototype = Object.getPrototypeOf(instance) as Record<string, unknown> | null;
    if (!prototype) {
      return false;
    }
    return this.scanner.getAllMethodNames(prototype).some((key) => {
      const method = prototype[key];
      const emits = (
        typeof method === 'function' ? Reflect.getMetadata(EMIT_EVENT_METADATA, method) : undefined
      ) as EmitEventMetadata[] | undefined;
      return emits?.some((emit) => emit.client === this.name) ?? false;
    });
  }
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}
