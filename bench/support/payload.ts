/** The event every case sends: about 200 bytes of JSON. */
export interface BenchPayload {
  /** Sequence number 0..N-1: how the consumer checks that every event arrived exactly once. */
  n: number;
  /** Wall clock at send (ms, sub-ms resolution): the consumer computes emit → handler latency from it. */
  sentAt: number;
  orderId: string;
  customer: string;
  amount: number;
  currency: string;
  items: number;
  note: string;
}

const NOTE = 'fixed-size filler that makes the JSON about 200 bytes'.padEnd(60, '.');

export function makePayload(n: number, sentAt: number): BenchPayload {
  return {
    n,
    sentAt,
    orderId: `ord-${String(n).padStart(9, '0')}`,
    customer: `cust-${String(n % 10_000).padStart(5, '0')}`,
    amount: Math.round((n % 100_000) * 1.37) / 100,
    currency: 'EUR',
    items: (n % 7) + 1,
    note: NOTE,
  };
}

/** Reads the fields the consumer needs; undefined when the value is not a bench payload. */
export function readPayload(value: unknown): { n: number; sentAt: number } | undefined {
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  const { n, sentAt } = value as Partial<BenchPayload>;
  return typeof n === 'number' && typeof sentAt === 'number' ? { n, sentAt } : undefined;
}
