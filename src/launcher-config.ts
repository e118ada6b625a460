/** Where the launcher finds Redis and where it tells the apps to listen, from its environment. */
export interface LauncherConfig {
  /** `REDIS_URL`, else {@link DEFAULT_REDIS_URL}; passed on to both apps. */
  readonly redisUrl: string;
  /** `PORT`, the API's HTTP port (default 3000). */
  readonly apiPort: string;
  /** `CONSUMER_PORT`, the consumer's HTTP port (default 3001). */
  readonly consumerPort: string;
}

/** The Redis the launcher uses when `REDIS_URL` is unset or empty. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** Reads the launcher's settings; empty values count as unset. */
export function launcherConfig(env: NodeJS.ProcessEnv): LauncherConfig {
  return {
    redisUrl: env.REDIS_URL || DEFAULT_REDIS_URL,
    apiPort: env.PORT || '3000',
    consumerPort: env.CONSUMER_PORT || '3001',
  };
}
