import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { ClientRedisStreams, ServerRedisStreams, describeError } from '@app/redis-streams';
import { uniqueName } from '../support/names';
import { PrivateRedis, freePort } from '../support/redis-server';
import { waitFor } from '../support/wait';

const PASSWORD = 'pw-right-5d1e9a';
const WRONG = 'pw-wrong-0b7c44';

/** listen() as a promise: resolves once started, rejects with what start failed with. */
function listen(server: ServerRedisStreams): Promise<void> {
  return new Promise((resolve, reject) => {
    void server.listen((error?: unknown) =>
      error === undefined
        ? resolve()
        : reject(error instanceof Error ? error : new Error(describeError(error))),
    );
  });
}

/** What `run` rejected with (fails the test when it resolved). */
async function rejection(run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    return error as Error;
  }
  throw new Error('expected a rejection');
}

// ioredis 6 rejects connect() with "Connection is closed." after a refused AUTH/HELLO; the reason Redis gave
// (WRONGPASS, NOAUTH) only comes as an 'error' event. Start must say that reason, and never the password.
describe('a refused password is reported as Redis said it, never with the password', () => {
  let redis: PrivateRedis;
  let admin: Redis;
  const group = uniqueName('auth');

  beforeAll(async () => {
    if (!process.env.TEST_LOGS) {
      Logger.overrideLogger(false); // the refused connections' debug lines (no Nest app here to configure logging)
    }
    // Started without a password (its start-up probe PINGs unauthenticated), then the password is set.
    redis = await PrivateRedis.start();
    admin = new Redis(redis.url);
    await admin.config('SET', 'requirepass', PASSWORD);
  });
  afterAll(async () => {
    admin.disconnect();
    await redis.destroy();
  });

  const url = (password: string | undefined): string =>
    password === undefined ? redis.url : `redis://:${password}@127.0.0.1:${redis.port}`;

  /** Only the admin connection is left: a failed start keeps no connection and no reconnect loop. */
  async function onlyAdminConnected(): Promise<void> {
    await waitFor(
      async () => ((await admin.client('LIST')) as string).trim().split('\n').length === 1,
      'the failed connections to close',
    );
  }

  const refusals = [
    { label: 'a wrong password', password: WRONG, code: 'WRONGPASS' },
    { label: 'no password', password: undefined, code: 'NOAUTH' },
  ];

  it.each(refusals)('server listen() with $label fails with $code', async ({ password, code }) => {
    const server = new ServerRedisStreams({ url: url(password), group });
    const error = await rejection(() => listen(server));
    expect(error.message).toContain(code);
    expect(error.message).toContain(`127.0.0.1:${redis.port}`);
    expect(error.message).not.toContain('Connection is closed');
    expect(error.message).not.toContain(WRONG);
    expect(error.message).not.toContain(PASSWORD);
    await server.close();
    await onlyAdminConnected();
  });

  it.each(refusals)('client connect() and emit() with $label fail with $code', async ({ password, code }) => {
    const client = new ClientRedisStreams({ url: url(password) });
    const stream = uniqueName('auth');
    try {
      for (const attempt of [() => client.connect(), () => lastValueFrom(client.emit(stream, { n: 1 }))]) {
        const error = await rejection(attempt);
        expect(error.message).toContain(code);
        expect(error.message).not.toContain('Connection is closed');
        expect(error.message).not.toContain(WRONG);
        expect(error.message).not.toContain(PASSWORD);
      }
    } finally {
      await client.close();
    }
    await onlyAdminConnected();
  });

  it('with the right password the same client writes (control)', async () => {
    const client = new ClientRedisStreams({ url: url(PASSWORD) });
    const stream = uniqueName('auth');
    try {
      await expect(lastValueFrom(client.emit(stream, { n: 1 }))).resolves.toMatch(/^\d+-\d+$/);
      expect(await admin.xlen(stream)).toBe(1);
    } finally {
      await client.close();
      await admin.del(stream);
    }
  });

  it('nothing listening: the refused TCP connection is named, not "Connection is closed"', async () => {
    const server = new ServerRedisStreams({ url: `redis://:${WRONG}@127.0.0.1:${await freePort()}`, group });
    const error = await rejection(() => listen(server));
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).not.toContain(WRONG);
    await server.close();
  });
});
