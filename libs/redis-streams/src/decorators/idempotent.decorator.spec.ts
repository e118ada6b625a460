import 'reflect-metadata';
import { MetadataScanner } from '@nestjs/core';
import { EventPattern } from '@nestjs/microservices';
import { PATTERN_EXTRAS_METADATA as NEST_PATTERN_EXTRAS } from '@nestjs/microservices/constants';
import { ListenerMetadataExplorer } from '@nestjs/microservices/listener-metadata-explorer';
import { InvalidOptionsError } from '../errors/redis-streams.error';
import {
  DEFAULT_DELIVERY_POLICY,
  deliveryPolicy,
  policyOptionsOfExtras,
  resolveDeliveryPolicy,
} from '../options/delivery-policy';
import { PATTERN_EXTRAS_METADATA, Idempotent } from './idempotent.decorator';

/** The policy each handler of `controller` runs under, read the way Nest hands extras to the server. */
function policies(controller: object): Record<string, unknown> {
  const explorer = new ListenerMetadataExplorer(new MetadataScanner());
  return Object.fromEntries(
    explorer.explore(controller).map(({ methodKey, extras }) => {
      const where = `@EventPattern(${methodKey})`;
      const options = policyOptionsOfExtras(extras, where);
      return [methodKey, resolveDeliveryPolicy(DEFAULT_DELIVERY_POLICY, options, where)];
    }),
  );
}

describe('@Idempotent', () => {
  it('writes where Nest keeps @EventPattern extras', () => {
    expect(PATTERN_EXTRAS_METADATA).toBe(NEST_PATTERN_EXTRAS);
  });

  it('ends up in the delivery policy above or below @EventPattern, with or without a deliveryPolicy()', () => {
    class Handlers {
      @Idempotent({ ttlMs: 5000 })
      @EventPattern('a')
      above(): void {}

      @EventPattern('b')
      @Idempotent({ ttlMs: 6000 })
      below(): void {}

      @Idempotent()
      @EventPattern('c', deliveryPolicy({ maxDeliveries: 3 }))
      aboveWithPolicy(): void {}

      @EventPattern('d', deliveryPolicy({ maxDeliveries: 4, autoAck: false }))
      @Idempotent({ ttlMs: 7000 })
      belowWithPolicy(): void {}

      @EventPattern('e', deliveryPolicy({ idempotent: { ttlMs: 8000 } }))
      viaPolicy(): void {}

      @EventPattern('f', deliveryPolicy({ idempotent: true }))
      viaPolicyDefault(): void {}

      @EventPattern('g', deliveryPolicy({ maxDeliveries: 2 }))
      plain(): void {}
    }
    expect(policies(new Handlers())).toEqual({
      above: { ...DEFAULT_DELIVERY_POLICY, idempotent: { ttlMs: 5000 } },
      below: { ...DEFAULT_DELIVERY_POLICY, idempotent: { ttlMs: 6000 } },
      aboveWithPolicy: { ...DEFAULT_DELIVERY_POLICY, maxDeliveries: 3, idempotent: { ttlMs: 86_400_000 } },
      belowWithPolicy: {
        ...DEFAULT_DELIVERY_POLICY,
        maxDeliveries: 4,
        autoAck: false,
        idempotent: { ttlMs: 7000 },
      },
      viaPolicy: { ...DEFAULT_DELIVERY_POLICY, idempotent: { ttlMs: 8000 } },
      viaPolicyDefault: { ...DEFAULT_DELIVERY_POLICY, idempotent: { ttlMs: 86_400_000 } },
      plain: { ...DEFAULT_DELIVERY_POLICY, maxDeliveries: 2 },
    });
    expect(policies(new Handlers()).plain).toHaveProperty('idempotent', undefined);
  });

  it('refuses a bad ttlMs at once, naming it', () => {
    for (const ttlMs of [0, -1, 1.5, Number.NaN, 366 * 24 * 3600 * 1000]) {
      expect(() => Idempotent({ ttlMs })).toThrow(InvalidOptionsError);
      expect(() => Idempotent({ ttlMs })).toThrow(/@Idempotent\(\)\.idempotent\.ttlMs must be an integer/);
    }
  });

  it('refuses @Idempotent and deliveryPolicy({ idempotent }) that disagree, in either order', () => {
    class Above {
      @Idempotent({ ttlMs: 1000 })
      @EventPattern('a', deliveryPolicy({ idempotent: { ttlMs: 2000 } }))
      handle(): void {}
    }
    class Below {
      @EventPattern('a', deliveryPolicy({ idempotent: false }))
      @Idempotent({ ttlMs: 1000 })
      handle(): void {}
    }
    class Agreeing {
      @EventPattern('a', deliveryPolicy({ idempotent: { ttlMs: 1000 } }))
      @Idempotent({ ttlMs: 1000 })
      handle(): void {}
    }
    for (const controller of [new Above(), new Below()]) {
      expect(() => policies(controller)).toThrow(
        /@Idempotent and deliveryPolicy\(\{ idempotent \}\) disagree/,
      );
    }
    expect(policies(new Agreeing())).toEqual({
      handle: { ...DEFAULT_DELIVERY_POLICY, idempotent: { ttlMs: 1000 } },
    });
  });
});
