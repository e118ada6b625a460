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
 * `supervisor`, stopped on exit) where {@link throwawayRedisRefusal} allows one. Cluster and Sentinel URLs are left to
 * the apps (their connection reports unreachable nodes). Throws, with a message for the
 * user, when neither is possible.
 */
export async function ensureRedis(url: string, supervisor: Supervisor): Promise<void> {
  const shown = redactUrl(url);
  const topology = /^rediss?\+(cluster|sentinel):\/\//.exec(url)?.[1];
  if (topology) {
    // Several nodes behind one URL: the apps connect through them (and report if none answers); one throwaway
    // redis-server could never stand in for a Cluster or a Sentinel-managed primary.
    log(
      `using Redis ${topology === 'cluster' ? 'Cluster' : 'Sentinel'} at ${shown} (no throwaway redis-server for it)`,
    );
    return;
  }
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
