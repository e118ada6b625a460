import type { BenchPayload } from '../support/payload';
import type { CaseId, Verification } from '../support/protocol';

/** Every case uses these names; Redis is FLUSHALLed between cases. */
export const STREAM = 'bench:events';
export const GROUP = 'bench';

export interface CaseTarget {
  host: string;
  port: number;
}

export interface BenchConsumer {
  /** After every event was seen: checks that nothing is left pending (polling until a deadline). */
  verify(): Promise<Verification>;
  close(): Promise<void>;
  /** Case-specific counters for the JSON report. */
  extra?(): Record<string, unknown>;
}

export interface BenchProducer {
  /** Sends events 0..count-1 as fast as the case's batching allows. */
  burst(count: number, make: (n: number) => BenchPayload): Promise<void>;
  /** Sends one event on its own (latency mode). */
  one(payload: BenchPayload): Promise<unknown>;
  close(): Promise<void>;
}

export interface BenchCase {
  readonly id: CaseId;
  /** Connected, subscribed and idle when this resolves; `onEvent` is called first thing in the handler. */
  consumer(target: CaseTarget, onEvent: (payload: unknown) => void): Promise<BenchConsumer>;
  producer(target: CaseTarget): Promise<BenchProducer>;
}

/** Polls `read` until it returns 0 or `timeoutMs` passes; returns the last value. */
export async function pollUntilZero(read: () => Promise<number>, timeoutMs = 15_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (value !== 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

/** Sends `count` events in chunks of `chunk`, each chunk's sends issued together and awaited together. */
export async function inChunks(
  count: number,
  chunk: number,
  send: (n: number) => Promise<unknown>,
): Promise<void> {
  for (let start = 0; start < count; start += chunk) {
    const end = Math.min(count, start + chunk);
    const sends: Promise<unknown>[] = [];
    for (let n = start; n < end; n++) {
      sends.push(send(n));
    }
    await Promise.all(sends);
  }
}
