import { InvalidOptionsError } from '../errors/redis-streams.error';

/**
 * Validates a route's `orderingKey` (a payload path, `customerId` or `order.customer.id`) and splits it into its
 * segments; undefined when the route has none. Refused on an informational route: pub/sub has no order to keep.
 */
export function resolveOrderingKey(
  orderingKey: unknown,
  at: string,
  durable: boolean,
): readonly string[] | undefined {
  if (orderingKey === undefined) {
    return undefined;
  }
  if (typeof orderingKey !== 'string' || orderingKey.split('.').some((segment) => segment === '')) {
    throw new InvalidOptionsError(
      `${at}.orderingKey must be a payload path such as "customerId" or "order.id"`,
    );
  }
  if (!durable) {
    throw new InvalidOptionsError(`${at}: an informational route (durable: false) cannot keep an order`);
  }
  return orderingKey.split('.');
}

/**
 * The ordering key of a payload: the value at `path` as text (strings as they are, numbers and booleans as text);
 * undefined when the payload has no such value or it is not a scalar (such an event is handled unordered).
 */
export function orderingKeyOf(data: unknown, path: readonly string[]): string | undefined {
  let value: unknown = data;
  for (const segment of path) {
    if (
      typeof value !== 'object' ||
      value === null ||
      !Object.prototype.hasOwnProperty.call(value, segment)
    ) {
      return undefined;
    }
    value = (value as Record<string, unknown>)[segment];
  }
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : undefined;
}
