import { Topology } from '@app/redis-streams/admin';

/** The app's topology (an injection token too): `STREAMS_TOPOLOGY` (a YAML/JSON file) if set, else the shield one. */
export class StreamsTopology {
  constructor(readonly topology: Topology) {}

  /** The names of the topology's streams. */
  streams(): string[] {
    return this.topology.streams.map((stream) => stream.name);
  }

  /** True when `stream` is one of the topology's streams. */
  has(stream: string): boolean {
    return this.topology.streams.some((candidate) => candidate.name === stream);
  }
}
