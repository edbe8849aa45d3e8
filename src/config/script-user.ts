/**
 * The user scripts run as, resolved as keepalived resolves it (lib/notify.c set_uid_gid,
 * get_default_script_user): `script_user USER [GROUP]`, else the user keepalived_script if it
 * exists, else root. Names are looked up in /etc/passwd and /etc/group (getpwnam/getgrnam
 * without NSS), when the config is read, as keepalived does.
 */
import { readFileSync } from 'node:fs';

export interface RunAs {
  user: string;
  uid: number;
  gid: number;
}

export interface AccountFiles {
  passwd: string;
  group: string;
}

function readAccounts(): AccountFiles {
  const read = (p: string): string => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return '';
    }
  };
  return { passwd: read('/etc/passwd'), group: read('/etc/group') };
}

/** `name:x:ID:...` lines → the ID of `name` (and, for passwd, its primary group). */
function lookup(text: string, name: string): { id: number; gid: number } | null {
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f.length >= 3 && /^\d+$/.test(f[2])) return { id: Number(f[2]), gid: /^\d+$/.test(f[3] ?? '') ? Number(f[3]) : Number(f[2]) };
  }
  return null;
}

/** USER [GROUP] → uid and gid, or null when either does not exist. */
export function resolveRunAs(user: string, group: string | null, files: AccountFiles = readAccounts()): RunAs | null {
  const pw = lookup(files.passwd, user);
  if (!pw) return null;
  let gid = pw.gid;
  if (group !== null) {
    const gr = lookup(files.group, group);
    if (!gr) return null;
    gid = gr.id;
  }
  return { user: group === null ? user : `${user}:${group}`, uid: pw.id, gid };
}

/** keepalived's default script user when script_user is not given. */
export const DEFAULT_SCRIPT_USER = 'keepalived_script';
