import { describeConformance } from '../topologies/conformance';
import { SentinelTopology } from '../topologies/sentinel-topology';

/** The conformance scenarios on a Sentinel-managed primary, through a `redis+sentinel://` URL. */
describe('conformance on Sentinel', () => {
  describeConformance(() => SentinelTopology.start());
});
