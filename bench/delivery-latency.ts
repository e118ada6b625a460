/**
 * Emit → handler latency through the whole Nest pipeline, producer and consumer in one process (one clock).
 * Usage: npm run bench:latency -- [events=2000] [ratePerSecond=500]   (REDIS_URL, default local)
 */
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { ClientRedisStreams, ServerRedisStreams, StreamKeys } from '@app/redis-streams';

const total = Number(process.argv[2] ?? 2000);
const rate = Number(process.argv[3] ?? 500);
const stream = `bench:latency:${process.pid}`;
const latencies: number[] = [];

@Controller()
class LatencyController {
  @EventPattern(stream)
  handle(@Payload() data: { sentAt: number }): void {
    latencies.push(performance.now() - data.sentAt);
  }
}

@Module({ controllers: [LatencyController] })
class LatencyModule {}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const app = await NestFactory.createMicroservice(LatencyModule, {
    strategy: new ServerRedisStreams({ group: 'bench' }),
    logger: ['error'],
  });
  await app.listen();
  const client = new ClientRedisStreams();
  await client.connect();
  const started = performance.now();
  for (let n = 0; n < total; n++) {
    const due = started + (n * 1000) / rate;
    while (performance.now() < due) {
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
    }
    void lastValueFrom(client.emit(stream, { n, sentAt: performance.now(), pad: 'x'.repeat(150) }));
  }
  const deadline = Date.now() + 30_000;
  while (latencies.length < total && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await app.close();
  await client.close();
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  await redis.del(stream, StreamKeys.retryLane(stream, 'bench'), StreamKeys.deadLetter(stream));
  redis.disconnect();
  const sorted = [...latencies].sort((a, b) => a - b);
  const ms = (v: number): string => `${v.toFixed(2)} ms`;
  console.log(
    `${latencies.length}/${total} events at ${rate}/s: p50 ${ms(percentile(sorted, 50))}, ` +
      `p95 ${ms(percentile(sorted, 95))}, p99 ${ms(percentile(sorted, 99))}, max ${ms(sorted[sorted.length - 1])}`,
  );
  process.exitCode = latencies.length === total ? 0 : 1;
}

void main();
