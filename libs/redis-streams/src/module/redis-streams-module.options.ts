import type { InjectionToken, ModuleMetadata, OptionalFactoryDependency, Type } from '@nestjs/common';
import type { RedisStreamsClientOptions } from '../options/client-options';

/** What `forRoot` takes: the client options plus how to register it. */
export interface RedisStreamsModuleOptions extends RedisStreamsClientOptions {
  /** Registers the client under this token (and as `@EmitEvent`'s `client`). Default: the ClientRedisStreams class. */
  name?: string | symbol;
  /** Make the client injectable everywhere without importing the module again. Default false. */
  isGlobal?: boolean;
}

/** Implemented by a class given to `forRootAsync({ useClass })`. */
export interface RedisStreamsOptionsFactory {
  createRedisStreamsOptions(): Promise<RedisStreamsClientOptions> | RedisStreamsClientOptions;
}

/** What `forRootAsync` takes (e.g. options from `ConfigService`). */
export interface RedisStreamsModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  name?: string | symbol;
  isGlobal?: boolean;
  useFactory?: (...args: never[]) => Promise<RedisStreamsClientOptions> | RedisStreamsClientOptions;
  inject?: Array<InjectionToken | OptionalFactoryDependency>;
  useClass?: Type<RedisStreamsOptionsFactory>;
  useExisting?: Type<RedisStreamsOptionsFactory>;
}
