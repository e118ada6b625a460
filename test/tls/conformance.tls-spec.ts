import { describeConformance } from '../topologies/conformance';
import { TlsTopology } from '../topologies/tls-topology';

/** The conformance scenarios over TLS: a TLS-only redis-server with a CA made by openssl in the test. */
describe('conformance over TLS', () => {
  describeConformance(() => TlsTopology.start());
});
