import { join } from 'node:path';
import { loadTopology } from '@app/redis-streams/admin';
import { SHIELD_TOPOLOGY } from './shield-topology';

describe('SHIELD_TOPOLOGY', () => {
  it('is what config/streams.yaml says (the file operators edit and the CLI reads)', async () => {
    const file = join(__dirname, '..', '..', '..', '..', 'config', 'streams.yaml');
    expect(await loadTopology(file)).toEqual(SHIELD_TOPOLOGY);
  });
});
