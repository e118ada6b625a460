import { RedisConnection, passwordOf } from './redis-connection';
import { describeError, redisErrorCode } from '../errors/describe-error';
import { RedisCommandError, RedisStreamsError } from '../errors/redis-streams.error';
import { redactUrl } from '../options/connection-options';

/**
 * Connects `connection`; when that fails, rejects with a {@link RedisCommandError} carrying the first error the
 * connection reported meanwhile (WRONGPASS, NOAUTH, ECONNREFUSED …) and its Redis code, never the password.
 */
export async function connectRedis(connection: RedisConnection): Promise<void> {
  let first: unknown;
  const onError = (error: unknown): void => {
    first ??= error;
  };
  // ioredis 6 emits a failed AUTH/HELLO reply as an 'error' event, then drops the socket to retry and rejects
  // connect() with only "Connection is closed.": the reason exists only in that event.
  connection.on('error', onError);
  try {
    await connection.connect();
  } catch (error) {
    const reason = first ?? error;
    const message = reason instanceof Error ? reason.message : describeError(reason);
    throw new RedisCommandError(redactSecret(message, passwordOf(connection)), redisErrorCode(reason));
  } finally {
    connection.off('error', onError);
  }
}

/** The error a server or client start fails with when {@link connectRedis} rejected: URL redacted, reason kept. */
export function cannotConnectError(url: string, error: unknown): RedisStreamsError {
  // Only the error connectRedis made is safe to keep: an ioredis error carries its command's arguments.
  if (error instanceof RedisCommandError) {
    return new RedisStreamsError(`cannot connect to ${redactUrl(url)}: ${error.message}`, { cause: error });
  }
  return new RedisStreamsError(`cannot connect to ${redactUrl(url)}: ${describeError(error)}`);
}

/** `text` with every occurrence of `secret` replaced. */
export function redactSecret(text: string, secret: string | undefined): string {
  return secret ? text.split(secret).join('***') : text;
}
