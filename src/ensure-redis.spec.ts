import { ensureRedis } from './ensure-redis';
import { Supervisor } from './supervisor';

describe('ensureRedis', () => {
  it('leaves Cluster and Sentinel URLs to the apps: nothing probed as one node, no throwaway redis-server', async () => {
    const tracked: string[] = [];
    const supervisor = { track: (label: string) => void tracked.push(label) } as unknown as Supervisor;
    const logged: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      logged.push(String(chunk));
      return true;
    });
    try {
      // Loopback seeds where nothing listens: a single-node URL here would start a throwaway redis-server.
      await ensureRedis('redis+cluster://127.0.0.1:1,127.0.0.1:2', supervisor);
      await ensureRedis('redis+sentinel://u:secret@127.0.0.1:1/main', supervisor);
    } finally {
      write.mockRestore();
    }
    expect(tracked).toEqual([]);
    expect(logged.join('')).toMatch(/Redis Cluster at redis\+cluster:\/\/127\.0\.0\.1:1,127\.0\.0\.1:2/);
    expect(logged.join('')).toMatch(/Redis Sentinel at redis\+sentinel:\/\/u:\*\*\*@127\.0\.0\.1:1\/main/);
  });
});
