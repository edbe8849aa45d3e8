// The netns tier builds its topologies with the same code `halo lab` uses.
export { Topology, sh, waitFor } from '../../src/lab/netns';
export type { HostSpec } from '../../src/lab/netns';

/** ADDR:PORT as nginx, exim and `ss` write it: an IPv6 address in brackets. */
export const hostPort = (address: string, port: number): string => (address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`);
