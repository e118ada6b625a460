import { Injectable, INestApplicationContext, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import {
  ClientRedisStreams,
  EmitEvent,
  RedisStreamsModule,
  getRedisStreamsClientToken,
} from '@app/redis-streams';
import { uniqueName } from '../support/names';

const ORDERS = uniqueName('order.created');
const AUDIT = uniqueName('audit.logged');

@Injectable()
class OrderService {
  @EmitEvent(ORDERS)
  async create(id: number, fail = false): Promise<{ id: number }> {
    await Promise.resolve();
    if (fail) {
      throw new Error('validation failed');
    }
    return { id };
  }

  @EmitEvent(AUDIT, { client: 'audit' })
  audit(action: string): Promise<{ action: string }> {
    return Promise.resolve({ action });
  }
}

@Module({
  imports: [
    ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ REDIS_URL: process.env.REDIS_URL })] }),
    RedisStreamsModule.forRootAsync({
      imports: [ConfigModule],
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        url: config.getOrThrow<string>('REDIS_URL'),
        source: 'orders',
      }),
    }),
    RedisStreamsModule.forRoot({ name: 'audit', source: 'audit' }),
  ],
  providers: [OrderService],
})
class OrdersModule {}

describe('RedisStreamsModule and @EmitEvent', () => {
  const redis = new Redis(process.env.REDIS_URL as string);
  let app: INestApplicationContext;

  beforeAll(async () => {
    app = await NestFactory.createApplicationContext(OrdersModule, { logger: false });
  });
  afterAll(async () => {
    await app.close();
    await redis.del(ORDERS, AUDIT);
    redis.disconnect();
  });

  it('forRootAsync (ConfigService) registers an injectable client', async () => {
    const client = app.get(ClientRedisStreams);
    expect(client).toBeInstanceOf(ClientRedisStreams);
    const id = await lastValueFrom(client.emit<string>(ORDERS, { id: 0 }));
    expect((await redis.xrange(ORDERS, id, id))[0][1]).toContain('{"source":"orders"}');
    expect(app.get(getRedisStreamsClientToken('audit'))).not.toBe(client);
  });

  it('@EmitEvent emits the result once the method resolved, and only then returns', async () => {
    const before = await redis.xlen(ORDERS);
    const result = await app.get(OrderService).create(7);
    expect(result).toEqual({ id: 7 });
    // Already stored when the call returned: no waiting needed.
    const entries = await redis.xrevrange(ORDERS, '+', '-', 'COUNT', 1);
    expect(await redis.xlen(ORDERS)).toBe(before + 1);
    expect(JSON.parse(entries[0][1][entries[0][1].indexOf('data') + 1])).toEqual({ id: 7 });
  });

  it('@EmitEvent emits nothing when the method throws', async () => {
    const before = await redis.xlen(ORDERS);
    await expect(app.get(OrderService).create(8, true)).rejects.toThrow('validation failed');
    expect(await redis.xlen(ORDERS)).toBe(before);
  });

  it('@EmitEvent with a named client writes through that client', async () => {
    await app.get(OrderService).audit('login');
    const [[, fields]] = await redis.xrevrange(AUDIT, '+', '-', 'COUNT', 1);
    expect(JSON.parse(fields[fields.indexOf('headers') + 1])).toEqual({ source: 'audit' });
  });
});
