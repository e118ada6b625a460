import { RedisStreamsError } from '../errors/redis-streams.error';
import { EFFECT_LIMITS } from '../options/idempotency-options';

/** One argument of an effect command. */
export type EffectArgument = string | number | Buffer;

/**
 * Redis write commands an idempotent handler queues (`ctx.getEffects()`). They run after the handler succeeded,
 * inside the same Lua step that records the handler's marker and acknowledges the entry: applied once per event and
 * group, or not at all. Replies are not returned (use the handler for reads).
 */
export interface IdempotentEffects {
  /**
   * Queues `command` with `args`: `effects.call('INCRBY', 'orders:total', 1)`. Throws (failing the handler) for a
   * name that is not a command word, an argument that is not a string, a finite number or a Buffer, more than 1000
   * commands or arguments per command, more than 4 MiB in all, or after the delivery was committed.
   */
  call(command: string, ...args: EffectArgument[]): this;
  /** Commands queued so far. */
  readonly size: number;
}

/** A command name: a word (`INCRBY`), or a module's (`JSON.SET`). */
const COMMAND_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

function byteLength(value: string | Buffer): number {
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length;
}

/** The effects of one delivery: queued by its handler, encoded once for the commit (then closed). */
export class EffectQueue implements IdempotentEffects {
  private readonly commands: Array<Array<string | Buffer>> = [];
  private bytes = 0;
  private closed = false;

  get size(): number {
    return this.commands.length;
  }

  call(command: string, ...args: EffectArgument[]): this {
    if (this.closed) {
      throw new RedisStreamsError('effects cannot be queued any more: this delivery was already committed');
    }
    if (typeof command !== 'string' || !COMMAND_NAME.test(command)) {
      throw new RedisStreamsError('an effect needs a Redis command name (e.g. INCRBY, HSET, XADD)');
    }
    if (this.commands.length >= EFFECT_LIMITS.maxCommands) {
      throw new RedisStreamsError(`at most ${EFFECT_LIMITS.maxCommands} effects per delivery`);
    }
    if (args.length + 1 > EFFECT_LIMITS.maxArgs) {
      throw new RedisStreamsError(`an effect takes at most ${EFFECT_LIMITS.maxArgs - 1} arguments`);
    }
    const values: Array<string | Buffer> = [command];
    let bytes = byteLength(command);
    for (const arg of args) {
      const value = toValue(command, arg);
      bytes += byteLength(value);
      values.push(value);
    }
    if (this.bytes + bytes > EFFECT_LIMITS.maxBytes) {
      throw new RedisStreamsError(`the effects of a delivery are limited to ${EFFECT_LIMITS.maxBytes} bytes`);
    }
    this.bytes += bytes;
    this.commands.push(values);
    return this;
  }

  /** The command names queued, in order (for reports: never the arguments). */
  names(): string[] {
    return this.commands.map(([name]) => String(name));
  }

  /** Closes the queue and encodes it (see {@link encodeEffects}). */
  close(): Array<string | Buffer> {
    this.closed = true;
    return encodeEffects(this.commands);
  }
}

function toValue(command: string, arg: EffectArgument): string | Buffer {
  if (typeof arg === 'string' || Buffer.isBuffer(arg)) {
    return arg;
  }
  if (typeof arg === 'number' && Number.isFinite(arg)) {
    return String(arg);
  }
  throw new RedisStreamsError(
    `effect ${command}: arguments must be strings, finite numbers or Buffers (got ${typeof arg === 'number' ? String(arg) : typeof arg})`,
  );
}

/**
 * The ARGV tail of commit-idempotent.lua: the number of commands, then for each its value count and values (name
 * first): `[['INCR', 'k'], ['HSET', 'h', 'f', 'v']]` → `['2', '2', 'INCR', 'k', '4', 'HSET', 'h', 'f', 'v']`.
 */
export function encodeEffects(
  commands: ReadonlyArray<ReadonlyArray<string | Buffer>>,
): Array<string | Buffer> {
  const encoded: Array<string | Buffer> = [String(commands.length)];
  for (const values of commands) {
    encoded.push(String(values.length), ...values);
  }
  return encoded;
}
