// The netns tier builds its topologies with the same code `halo lab` uses.
export { Topology, HostSpec, sh, waitFor } from '../../src/lab/netns';
