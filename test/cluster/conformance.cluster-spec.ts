import { ClusterTopology } from '../topologies/cluster-topology';
import { describeConformance } from '../topologies/conformance';

/** The conformance scenarios on a Redis Cluster (3 primaries + 3 replicas), through a `redis+cluster://` URL. */
describe('conformance on Redis Cluster', () => {
  describeConformance(() => ClusterTopology.start());
});
