import { InvalidArgumentError } from 'commander';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `1500`, `30s`, `5m`, `2h`, `7d` → ms. */
export function parseDuration(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(value.trim());
  if (!match) {
    throw new InvalidArgumentError(`"${value}" is not a duration (e.g. 500, 30s, 5m, 2h, 7d)`);
  }
  return Math.round(Number(match[1]) * UNITS[match[2] ?? 'ms']);
}

/** A point in time: an ISO-8601 date, ms since the epoch, or a duration ago (`1h` = one hour ago). */
export function parseTime(value: string, now = Date.now()): number {
  if (/^\d{12,}$/.test(value)) {
    return Number(value);
  }
  if (/^\d+(?:\.\d+)?(ms|s|m|h|d)$/.test(value)) {
    return now - parseDuration(value);
  }
  const time = Date.parse(value);
  if (Number.isNaN(time)) {
    throw new InvalidArgumentError(
      `"${value}" is not a time (ISO-8601, ms since the epoch, or an age like 2h)`,
    );
  }
  return time;
}

/** A whole number ≥ `min`. */
export function parseCount(min: number): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if (!/^\d+$/.test(value.trim()) || number < min) {
      throw new InvalidArgumentError(`"${value}" is not a whole number ≥ ${min}`);
    }
    return number;
  };
}

/** A number ≥ 0. */
export function parseRate(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < 0) {
    throw new InvalidArgumentError(`"${value}" is not a number ≥ 0`);
  }
  return number;
}
