import { DynamicModule, InjectionToken, Module, Provider } from '@nestjs/common';
import { ClientRedisStreams } from '../client/client-redis-streams';
import { DEFAULT_EMITTER, registerEmitter, unregisterEmitter } from '../decorators/emitter-registry';
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

function clientProvider(name?: string | symbol): Provider {
  return {
    provide: getRedisStreamsClientToken(name),
    useFactory: (options: RedisStreamsClientOptions) => {
      const client = new ClientRedisStreams(options);
      const emitterName = name ?? DEFAULT_EMITTER;
      registerEmitter(emitterName, client);
      const close = client.onApplicationShutdown.bind(client);
      client.onApplicationShutdown = async () => {
        unregisterEmitter(emitterName, client);
        await close();
      };
      return client;
    },
    inject: [optionsToken(name)],
  };
}

/**
 * Registers a {@link ClientRedisStreams} for injection (`constructor(private readonly events: ClientRedisStreams)`)
 * and for `@EmitEvent`. The connection opens on first use and closes on application shutdown.
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
      providers: [{ provide: optionsToken(name), useValue: clientOptions }, clientProvider(name)],
      exports: [token],
    };
  }

  /** Registers a client whose options come from a factory, a class or an existing provider (e.g. ConfigService). */
  static forRootAsync(options: RedisStreamsModuleAsyncOptions): DynamicModule {
    const token = getRedisStreamsClientToken(options.name);
    return {
      module: RedisStreamsModule,
      global: options.isGlobal ?? false,
      imports: options.imports ?? [],
      providers: [...this.asyncOptionsProviders(options), clientProvider(options.name)],
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
