import { resolveRoutes } from './routing-options';
import { orderingKeyOf, resolveOrderingKey } from './ordering-key';

describe('orderingKey', () => {
  it('is a payload path: validated, and refused on an informational route', () => {
    expect(resolveOrderingKey(undefined, 'r', true)).toBeUndefined();
    expect(resolveOrderingKey('order.customer.id', 'r', true)).toEqual(['order', 'customer', 'id']);
    for (const bad of ['', 'a..b', '.a', 7]) {
      expect(() => resolveOrderingKey(bad, 'routes[0]', true)).toThrow(/routes\[0\]\.orderingKey must be/);
    }
    expect(() =>
      resolveRoutes([{ stream: 's', patterns: ['s'], durable: false, orderingKey: 'id' }]),
    ).toThrow(/cannot keep an order/);
    expect(resolveRoutes([{ stream: 's', patterns: ['s'], orderingKey: 'id' }])[0].orderingKey).toEqual([
      'id',
    ]);
  });

  it('reads the key as text; a payload without a scalar there has none', () => {
    expect(orderingKeyOf({ order: { id: 42 } }, ['order', 'id'])).toBe('42');
    expect(orderingKeyOf({ id: 'c-1' }, ['id'])).toBe('c-1');
    expect(orderingKeyOf({ id: true }, ['id'])).toBe('true');
    expect(orderingKeyOf({ id: { nested: 1 } }, ['id'])).toBeUndefined();
    expect(orderingKeyOf({}, ['id'])).toBeUndefined();
    expect(orderingKeyOf('text', ['id'])).toBeUndefined();
    expect(orderingKeyOf(Object.create({ id: 'inherited' }), ['id'])).toBeUndefined();
  });
});
