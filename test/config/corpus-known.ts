/**
 * The real-world corpus files on which `keepalived -t` and halo's check disagree, with the reason
 * (test/config/corpus-oracle.test.ts keeps the list as a ratchet). Each is a file `keepalived -t`
 * accepts but keepalived 2.2.7 itself will not run: its VRRP process stops at start with a
 * configuration error and the parent terminates (exit 2), which
 * test/config/corpus-run.netns.test.ts checks by running keepalived on each. halo refuses them
 * at check time, even under --allow-unimplemented.
 */
export const KNOWN_DIFFERENT: Record<string, string> = {
  '101-PXCToolkit-keepalived.conf': "VRID placeholder: keepalived -t exits 5, but its VRRP process stops at start (chk_min_cfg: 'the virtual router id must be set', vrrp_complete_init fails); halo refuses at check time",
  '055-x-script-keepalived.conf': "vrrp_strict and its only VIP a placeholder: keepalived -t exits 5, but its VRRP process stops at start ('(VI_1) No VIP specified; at least one is required', vrrp_complete_instance); halo refuses at check time",
};
