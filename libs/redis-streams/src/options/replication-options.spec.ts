import { DEFAULT_REPLICATION_OPTIONS, resolveReplicationOptions } from './replication-options';

describe('replication options (emitReplicated)', () => {
  it('defaults to one replica within a second', () => {
    expect(resolveReplicationOptions()).toEqual(DEFAULT_REPLICATION_OPTIONS);
    expect(resolveReplicationOptions({ replicas: 2 })).toEqual({ replicas: 2, timeoutMs: 1000 });
  });

  it('refuses what WAIT would misread: no replica, a wait for ever, fractions', () => {
    expect(() => resolveReplicationOptions({ replicas: 0 })).toThrow(/replicas must be an integer from 1/);
    expect(() => resolveReplicationOptions({ timeoutMs: 0 })).toThrow(/timeoutMs must be an integer from 1/);
    expect(() => resolveReplicationOptions({ timeoutMs: 1.5 })).toThrow(/timeoutMs/);
    expect(() => resolveReplicationOptions(null as never)).toThrow(/must be an object/);
  });
});
