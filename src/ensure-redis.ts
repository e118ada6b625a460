import { log } from './log';
import { redactUrl } from './redact-url';
import { redisAnswers } from './redis-probe';
import { REDIS_LABEL, Supervisor } from './supervisor';
import { hasRedisServer, spawnThrowawayRedis, throwawayRedisRefusal } from './throwaway-redis';
import { waitUntil } from './wait-until';

/** How long a throwaway redis-server may take to answer PING. */
const REDIS_START_TIMEOUT_MS = 10_000;

/**
 * Makes sure a Redis answers at `url`: the one already there, else a throwaway redis-server (tracked by
 * `supervisor`, stopped on exit) where {@link throwawayRedisRefusal} allows one. Throws, with a message for the
 * user, when neither is possible.
 */
export async function ensureRedis(url: string, supervisor: Supervisor): Promise<void> {
  const shown = redactUrl(url);
  if (await redisAnswers(url)) {
    log(`using Redis at ${shown}`);
    return;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`REDIS_URL is not a valid URL: ${shown}`);
  }
  const refusal = throwawayRedisRefusal(parsed, hasRedisServer);
  if (refusal) {
    throw new Error(`nothing answers at ${shown} and ${refusal}. Start Redis or set REDIS_URL.`);
  }
  const port = parsed.port || '6379';
  log(`nothing answers at ${shown}: starting a throwaway redis-server on port ${port} (no persistence)`);
  const child = spawnThrowawayRedis(port);
  supervisor.track(REDIS_LABEL, child);
  const up = await waitUntil(
    async () => child.exitCode === null && (await redisAnswers(url)),
    REDIS_START_TIMEOUT_MS,
  );
  if (!up) {
    throw new Error(`the throwaway redis-server did not answer on port ${port}`);
  }
}
