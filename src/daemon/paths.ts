/** Where a director keeps its runtime files unless told otherwise (keepalived uses /run too). */
export const DEFAULT_PID_FILE = '/run/halo/halo.pid';
export const DEFAULT_CONTROL_SOCKET = '/run/halo/halo.sock';
export const DEFAULT_CONFIG_FILE = '/etc/keepalived/keepalived.conf';
