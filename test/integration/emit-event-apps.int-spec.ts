import { Body, Controller, HttpCode, INestApplication, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import { EmitEvent, RedisStreamsModule } from '@app/redis-streams';
import { uniqueName } from '../support/names';

const ORDERS = 'order.created';
const AUDIT = 'audit.logged';

/** One controller class, served by both apps: its events must go through the app's own clients. */
@Controller('orders')
class OrdersController {
  @Post()
  @HttpCode(201)
  @EmitEvent(ORDERS)
  create(@Body() body: { id: number }): Promise<{ id: number }> {
    return Promise.resolve({ id: body.id });
  }

  @EmitEvent(AUDIT, { client: 'audit' })
  audit(action: string): Promise<{ action: string }> {
    return Promise.resolve({ action });
  }
}

/** An HTTP app whose unnamed client writes `<prefix>order.created` and whose `audit` client `<prefix>audit:…`. */
function appModule(prefix: string): new () => object {
  @Module({
    imports: [
      RedisStreamsModule.forRoot({ streamPrefix: prefix, source: prefix }),
      RedisStreamsModule.forRoot({ name: 'audit', streamPrefix: `${prefix}audit:` }),
    ],
    controllers: [OrdersController],
  })
  class OrdersAppModule {}
  return OrdersAppModule;
}

interface RunningApp {
  app: INestApplication;
  url: string;
  prefix: string;
}

async function startApp(label: string): Promise<RunningApp> {
  const prefix = `${uniqueName(label)}:`;
  const app = await NestFactory.create(appModule(prefix), { logger: false });
  await app.listen(0, '127.0.0.1');
  return { app, url: await app.getUrl(), prefix };
}

describe('@EmitEvent in two apps of one process', () => {
  const redis = new Redis(process.env.REDIS_URL as string);
  let first: RunningApp;
  let second: RunningApp;
  let secondClosed = false;

  beforeAll(async () => {
    first = await startApp('emit-first');
    second = await startApp('emit-second');
  });
  afterAll(async () => {
    await first.app.close();
    if (!secondClosed) {
      await second.app.close();
    }
    const keys = [first, second].flatMap(({ prefix }) => [`${prefix}${ORDERS}`, `${prefix}audit:${AUDIT}`]);
    await redis.del(...keys);
    redis.disconnect();
  });

  async function post(app: RunningApp, id: number): Promise<number> {
    const response = await fetch(`${app.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id }),
    });
    return response.status;
  }

  /** The `data` of every entry of `stream`, oldest first. */
  async function payloads(stream: string): Promise<unknown[]> {
    const entries = await redis.xrange(stream, '-', '+');
    return entries.map(([, fields]) => JSON.parse(fields[fields.indexOf('data') + 1]) as unknown);
  }

  it("a route handler's event lands in its own app's stream only", async () => {
    expect(await post(first, 1)).toBe(201);
    expect(await post(second, 2)).toBe(201);
    expect(await post(first, 3)).toBe(201);
    expect(await payloads(`${first.prefix}${ORDERS}`)).toEqual([{ id: 1 }, { id: 3 }]);
    expect(await payloads(`${second.prefix}${ORDERS}`)).toEqual([{ id: 2 }]);
  });

  it('a named client is the one registered under that name in the same app', async () => {
    expect(await first.app.get(OrdersController).audit('first')).toEqual({ action: 'first' });
    expect(await second.app.get(OrdersController).audit('second')).toEqual({ action: 'second' });
    expect(await payloads(`${first.prefix}audit:${AUDIT}`)).toEqual([{ action: 'first' }]);
    expect(await payloads(`${second.prefix}audit:${AUDIT}`)).toEqual([{ action: 'second' }]);
  });

  it('closing one app leaves the other emitting through its own client', async () => {
    const closed = second;
    const closedController = closed.app.get(OrdersController);
    await closed.app.close();
    secondClosed = true;
    const before = await redis.xlen(`${closed.prefix}${ORDERS}`);

    expect(await post(first, 4)).toBe(201);
    await first.app.get(OrdersController).audit('still here');
    expect((await payloads(`${first.prefix}${ORDERS}`)).at(-1)).toEqual({ id: 4 });
    expect((await payloads(`${first.prefix}audit:${AUDIT}`)).at(-1)).toEqual({ action: 'still here' });

    // The closed app's instance does not reopen its closed client (nor borrow the other app's).
    await expect(closedController.create({ id: 5 })).rejects.toThrow(/no Redis Streams client/);
    expect(await redis.xlen(`${closed.prefix}${ORDERS}`)).toBe(before);
    expect(await payloads(`${first.prefix}${ORDERS}`)).not.toContainEqual({ id: 5 });
  });
});
