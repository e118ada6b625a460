import { DynamicModule, InjectionToken, Module, Provider } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, MetadataScanner } from '@nestjs/core';
import { ClientRedisStreams } from '../client/client-redis-streams';
import { DEFAULT_EMITTER } from '../decorators/emit-event-binding';
import { EmitEventExplorer } from '../decorators/emit-event.explorer';
import { InvalidOptionsError } from '../errors/redis-streams.error';
import type { RedisStreamsClientOptions } from '../options/client-options';
import {
  RedisStreamsModuleAsyncOptions,
  RedisStreamsModuleOptions,
  RedisStreamsOptionsFactory,
} from './redis-streams-module.options';

/** The injection token of a client registered with `name` (the ClientRedisStreams class when unnamed). */
export function getRedisStreamsClientToken(name?: string | symbol): InjectionToken {
  return name ?? ClientRedisStreams;
}

function optionsToken(name?: string | symbol): string {
  return `REDIS_STREAMS_OPTIONS:${String(name ?? DEFAULT_EMITTER)}`;
}

/** The client, and the explorer that binds it to the app's `@EmitEvent` methods naming it. */
function clientProviders(name?: string | symbol): Provider[] {
  const token = getRedisStreamsClientToken(name);
  return [
    {
      provide: token,
      useFactory: (options: RedisStreamsClientOptions) => new ClientRedisStreams(options),
      inject: [optionsToken(name)],
    },
    {
      provide: EmitEventExplorer,
      useFactory: (client: ClientRedisStreams, discovery: DiscoveryService, scanner: MetadataScanner) =>
        new EmitEventExplorer(name ?? DEFAULT_EMITTER, client, discovery, scanner),
      inject: [token, DiscoveryService, MetadataScanner],
    },
  ];
}

/**
 * Registers a {@link ClientRedisStreams} for injection (`constructor(private readonly events: ClientRedisStreams)`)
 * and for the `@EmitEvent` methods of this app's providers and controllers (bound when the module initialises). The
 * connection opens on first use and closes on application shutdown.
 */
@Module({})
export class RedisStreamsModule {
  /** Registers a client from static options. */
  static forRoot(options: RedisStreamsModuleOptions = {}): DynamicModule {
    const { name, isGlobal, ...clientOptions } = options;
    const token = getRedisStreamsClientToken(name);
    return {
      module: RedisStreamsModule,
      global: isGlobal ?? false,
      imports: [DiscoveryModule],
      providers: [{ provide: optionsToken(name), useValue: clientOptions }, ...clientProviders(name)],
      exports: [token],
    };
  }

  /** Registers a client whose options come from a factory, a class or an existing provider (e.g. ConfigService). */
  static forRootAsync(options: RedisStreamsModuleAsyncOptions): DynamicModule {
    const token = getRedisStreamsClientToken(options.name);
    return {
      module: RedisStreamsModule,
      global: options.isGlobal ?? false,
      imports: [DiscoveryModule, ...(options.imports ?? [])],
      providers: [...this.asyncOptionsProviders(options), ...clientProviders(options.name)],
      exports: [token],
    };
  }

  private static asyncOptionsProviders(options: RedisStreamsModuleAsyncOptions): Provider[] {
    const provide = optionsToken(options.name);
    if (options.useFactory) {
      return [{ provide, useFactory: options.useFactory, inject: options.inject ?? [] }];
    }
    const factoryClass = options.useClass ?? options.useExisting;
    if (!factoryClass) {
      throw new InvalidOptionsError(
        'RedisStreamsModule.forRootAsync needs useFactory, useClass or useExisting',
      );
    }
    const factoryProvider: Provider[] = options.useClass
      ? [{ provide: factoryClass, useClass: factoryClass }]
      : [];
    return [
      ...factoryProvider,
      {
        provide,
        useFactory: (factory: RedisStreamsOptionsFactory) => factory.createRedisStreamsOptions(),
        inject: [factoryClass],
      },
    ];
  }
}
