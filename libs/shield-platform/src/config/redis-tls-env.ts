import { InvalidOptionsError, RedisTlsOptions } from '@app/redis-streams';
import { resolveConnectionRedisOptions } from '@app/redis-streams/options/connection-options';

/** The apps' Redis URL and TLS variables, as read (`undefined` = unset). */
export interface RedisTlsValues {
  readonly redisUrl: string;
  readonly redisTlsCaFile: string | undefined;
  readonly redisTlsCertFile: string | undefined;
  readonly redisTlsKeyFile: string | undefined;
  readonly redisTlsServername: string | undefined;
}

/** Each `tls` option of the library and the variable that sets it, in the order the README lists them. */
const TLS_VARIABLES = [
  ['caFile', 'REDIS_TLS_CA_FILE', 'redisTlsCaFile'],
  ['certFile', 'REDIS_TLS_CERT_FILE', 'redisTlsCertFile'],
  ['keyFile', 'REDIS_TLS_KEY_FILE', 'redisTlsKeyFile'],
  ['servername', 'REDIS_TLS_SERVERNAME', 'redisTlsServername'],
] as const;

/** The library's `tls` option of `values`: only the variables set; `undefined` when none is (plain `rediss://` or `redis://`). */
export function redisTlsOf(values: RedisTlsValues): RedisTlsOptions | undefined {
  const tls: RedisTlsOptions = {};
  for (const [option, , key] of TLS_VARIABLES) {
    const value = values[key];
    if (value !== undefined) {
      tls[option] = value;
    }
  }
  return Object.keys(tls).length > 0 ? tls : undefined;
}

/**
 * Why the TLS variables cannot be used with `values.redisUrl`, or `undefined` when they can. The rules are the
 * library's own (`resolveConnectionRedisOptions`, which also reads the files): a file that cannot be read, a
 * certificate without its key (or the reverse), TLS files with a URL that is not `rediss://`. Its message is
 * given in the variables' names — the path and the error code, never the file's contents.
 */
export function redisTlsProblem(values: RedisTlsValues): string | undefined {
  try {
    resolveConnectionRedisOptions(values.redisUrl, redisTlsOf(values), undefined);
    return undefined;
  } catch (error) {
    if (!(error instanceof InvalidOptionsError)) {
      throw error;
    }
    return inVariableNames(error.message, values);
  }
}

/** The library's message about its `tls.*` options and `url`, said with the variables that set them. */
function inVariableNames(message: string, values: RedisTlsValues): string {
  const set = TLS_VARIABLES.filter(([, , key]) => values[key] !== undefined).map(([, name]) => name);
  let text = message.replace(
    /^tls is set but url /,
    `${set.join(', ')} ${set.length === 1 ? 'is' : 'are'} set but REDIS_URL `,
  );
  for (const [option, name] of TLS_VARIABLES) {
    text = text.split(`tls.${option}`).join(name);
  }
  return text;
}
