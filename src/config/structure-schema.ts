/**
 * keepalived 2.2.7's keyword tables as the structure pass needs them (src/config/structure.ts):
 * which keywords each section knows (the keyword registry, src/config/keywords), which of them
 * open a section of their own (install_sublevel: the registry has a table for `section/keyword`)
 * and which read a value block (their handler calls alloc_value_block / read_value_block).
 */
import { HALO_ANNOUNCE } from './keywords/announce';
import { CHECKER_SECTIONS, TRACK_FILE, VRRP_TRACK_FILE } from './keywords/checkers';
import { GLOBAL_DEFS } from './keywords/global';
import { REAL_SERVER, VIRTUAL_SERVER } from './keywords/lvs';
import { ROOT } from './keywords/root';
import type { SectionTable } from './keywords/types';
import {
  AUTHENTICATION, BFD_INSTANCE, GARP_GROUP, TRACK_GROUP, VRRP_INSTANCE, VRRP_SCRIPT, VRRP_SYNC_GROUP, VRRP_TRACK_PROCESS,
} from './keywords/vrrp';
import type { KeywordKind, StructureSchema } from './structure';

/** Keywords whose handler reads a value block, per section ('' = top level), from keepalived 2.2.7's sources. */
const VALUE_BLOCKS: Record<string, string[]> = {
  '': ['virtual_server_group', 'static_ipaddress', 'static_routes', 'static_rules', 'linkbeat_interfaces', 'interface_up_down_delays'],
  global_defs: ['notification_email'],
  vrrp_instance: [
    'virtual_ipaddress', 'virtual_ipaddress_excluded', 'virtual_routes', 'virtual_rules', 'track_interface', 'track_script',
    'track_file', 'track_process', 'track_bfd', 'unicast_peer',
  ],
  vrrp_sync_group: ['group', 'track_interface', 'track_script', 'track_file', 'track_process', 'track_bfd'],
  track_group: ['group'],
  garp_group: ['interfaces'],
};

const TABLES: SectionTable<unknown>[] = [
  ROOT, GLOBAL_DEFS, VRRP_INSTANCE, AUTHENTICATION, VRRP_SYNC_GROUP, VRRP_SCRIPT, VIRTUAL_SERVER, REAL_SERVER,
  ...CHECKER_SECTIONS, VRRP_TRACK_PROCESS, TRACK_FILE, VRRP_TRACK_FILE, GARP_GROUP, TRACK_GROUP, BFD_INSTANCE, HALO_ANNOUNCE,
] as SectionTable<unknown>[];

const byPath = new Map<string, SectionTable<unknown>>(TABLES.map((t) => [t === (ROOT as SectionTable<unknown>) ? '' : t.path, t]));
const values = new Map(Object.entries(VALUE_BLOCKS).map(([k, v]) => [k, new Set(v)]));

/** Answers per section, so a 100,000-line config pays one map lookup per statement. */
const cache = new Map<string, Map<string, KeywordKind>>();

/** The section asked about last, and its answers: a block's statements are asked about in a row. */
let lastSection: string | null = null;
let lastAnswers = new Map<string, KeywordKind>();

export const KEEPALIVED_SCHEMA: StructureSchema = {
  kind(section: string, keyword: string): KeywordKind | null {
    let inSection: Map<string, KeywordKind> | undefined = section === lastSection ? lastAnswers : cache.get(section);
    if (inSection === undefined) cache.set(section, (inSection = new Map()));
    lastSection = section;
    lastAnswers = inSection;
    const hit = inSection.get(keyword);
    if (hit !== undefined) return hit;
    const k = lookup(section, keyword);
    // Only what the tables know is kept: a config's misspellings do not grow the cache.
    if (k !== null) inSection.set(keyword, k);
    return k;
  },
};

function lookup(section: string, keyword: string): KeywordKind | null {
  const table = byPath.get(section);
  if (table === undefined) return 'opaque';
  if (!table.byName.has(keyword)) return null;
  const child = section === '' ? keyword : `${section}/${keyword}`;
  if (byPath.has(child)) return { sub: child };
  if (values.get(section)?.has(keyword)) return 'value';
  return 'plain';
}
