/** Stops the Redis that global-setup started, if it started one. */
export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __redisTestTeardown?: () => Promise<void> }).__redisTestTeardown?.();
}
