/**
 * A chaos consumer: a Nest microservice on ServerRedisStreams in its own process, so a scenario can SIGKILL,
 * SIGSTOP or SIGTERM it for real. Configured by the CHAOS_* environment (see consumer-settings.ts).
 * - Its handler works `handlerMs`, throws if the payload asks it to fail this delivery, then appends
 *   `{event_id, entry id, pid, consumer, delivery count}` to its handler
 *   ledger with writeSync, then returns: every handling that returned is on disk, whatever happens next.
 * - Its health ledger records readiness changes, the most handlers seen running at once, and its counters each second.
 * - Prints READY once listening. SIGTERM: app.close() (the transport's drain), then exit 0 (1 if closing failed).
 * - Exits when its stdin closes: a runner that died cannot leave consumers behind.
 */
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { RedisStreamsContext, ServerRedisStreams } from '@app/redis-streams';
import { ChaosPayload, readConsumerEnv } from './consumer-settings';
import { HandlerRecord, HealthRecord, Ledger, handlerLedgerPath, healthLedgerPath } from './ledger';

const settings = readConsumerEnv(process.env);
const handled = new Ledger<HandlerRecord>(handlerLedgerPath(settings.dir, settings.consumer, process.pid));
const health = new Ledger<HealthRecord>(healthLedgerPath(settings.dir, settings.consumer, process.pid));

@Controller()
class ChaosController {
  @EventPattern(settings.stream)
  async handle(@Payload() data: ChaosPayload, @Ctx() ctx: RedisStreamsContext): Promise<void> {
    const ms = data.handlerMs ?? settings.handlerMs;
    if (ms > 0) {
      await new Promise((resolve) => setTimeout(resolve, ms));
    }
    if (data.failDeliveries !== undefined && ctx.getDeliveryCount() <= data.failDeliveries) {
      throw new Error(`chaos: delivery ${ctx.getDeliveryCount()} asked to fail`);
    }
    const crash =
      settings.crashAfterHandling && data.crashAfterHandling === true && ctx.getDeliveryCount() === 1;
    handled.append({
      e: ctx.getEventId() ?? '',
      id: ctx.getEntryId(),
      pid: process.pid,
      c: settings.consumer,
      n: ctx.getDeliveryCount(),
      t: Date.now(),
      ...(crash ? { crash: true as const } : {}),
    });
    if (crash) {
      // nextTick runs after the microtasks of this turn (the transport takes the result and queues the XACK) and
      // before any macrotask (the XACK flush is a setImmediate): the handler has returned, its XACK is not sent.
      process.nextTick(() => process.kill(process.pid, 'SIGKILL'));
    }
  }
}

@Module({ controllers: [ChaosController] })
class ChaosModule {}

/** Appends readiness changes, new highs of running handlers and, each second, the counters. */
function watchHealth(strategy: ServerRedisStreams): void {
  let ready = false;
  let maxRunning = 0;
  let ticks = 0;
  const base = (): Pick<HealthRecord, 'pid' | 'c' | 't'> => ({
    pid: process.pid,
    c: settings.consumer,
    t: Date.now(),
  });
  setInterval(() => {
    const now = strategy.health();
    if (now.ready !== ready) {
      ready = now.ready;
      health.append({ ...base(), k: ready ? 'ready' : 'not-ready', lastReplyMsAgo: now.lastReplyMsAgo });
    }
    const stats = strategy.getStats();
    if (stats.running > maxRunning) {
      maxRunning = stats.running;
      health.append({ ...base(), k: 'max-running', running: maxRunning });
    }
    if (++ticks % 10 === 0) {
      health.append({ ...base(), k: 'stats', stats: { ...stats } });
    }
  }, 100).unref();
}

async function main(): Promise<void> {
  const strategy = new ServerRedisStreams({
    url: settings.redisUrl,
    group: settings.group,
    consumer: settings.consumer,
    startId: '0',
    blockMs: settings.blockMs,
    stallMs: settings.stallMs,
    concurrency: settings.concurrency,
    batchSize: settings.concurrency,
    shutdownTimeoutMs: settings.shutdownTimeoutMs,
    minIdleMs: settings.minIdleMs,
    reclaimIntervalMs: settings.reclaimIntervalMs,
    consumerLeaseMs: settings.consumerLeaseMs,
    maxReconnectDelayMs: settings.maxReconnectDelayMs,
    delivery: {
      maxDeliveries: settings.maxDeliveries,
      backoff: { baseMs: settings.retryBaseMs, maxMs: settings.retryBaseMs * 8 },
    },
  });
  const app = await NestFactory.createMicroservice(ChaosModule, { strategy, logger: ['error'] });
  process.once('SIGTERM', () => {
    void app.close().then(
      () => {
        health.append({
          pid: process.pid,
          c: settings.consumer,
          t: Date.now(),
          k: 'stats',
          stats: { ...strategy.getStats() },
        });
        process.exit(0);
      },
      () => process.exit(1),
    );
  });
  process.stdin.on('end', () => process.exit(2)).resume();
  await app.listen();
  watchHealth(strategy);
  process.stdout.write('READY\n');
}

main().catch((error: unknown) => {
  process.stderr.write(
    `chaos consumer failed to start: ${error instanceof Error ? error.message : 'error'}\n`,
  );
  process.exit(1);
});
