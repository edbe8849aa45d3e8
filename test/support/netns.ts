// The netns tier builds its topologies with the same code `halo lab` uses.
export { Topology, sh, waitFor } from '../../src/lab/netns';
export type { HostSpec } from '../../src/lab/netns';
