/*
 * halo_supervisor: the parent process of `halo run` (keepalived's parent/child shape) in C, so
 * that the process which outlives a crashed worker costs ~1 MB instead of a second Node heap
 * (issue 15: a Node supervisor alone was 54 MB RSS, more than keepalived's three processes).
 *
 * `halo run` (Node) parses the command line, takes the pid file and then execs this program
 * with the same pid. It forks the worker (`node worker.js OPTIONS`) with a Node IPC channel on
 * fd 3 (NODE_CHANNEL_FD, JSON lines), so the worker keeps process.send() and its 'disconnect'
 * event when the supervisor dies. The worker sends one JSON string per message:
 *
 *   "held INST IF NPKT [DST PKTHEX]... NVIP [FAMILY ADDR PREFIXLEN DEV]..."
 *   "released INST"
 *   "undo KEY nl PROTOCOL DATAGRAMHEX"   (replay this netlink datagram should the worker die)
 *   "undo KEY sysctl PATH VALUE"         (write VALUE to /proc/sys/PATH should the worker die)
 *   "undone KEY"
 *   "ready"
 *   "stopgrace MS"   (how long a stopping worker may take: halo_announce drains; at least 10 s)
 *
 * (INST, IF, DEV, KEY and PATH hex-encoded; see src/daemon/held.ts). When the worker dies
 * abnormally it sends the held instances' priority-0 adverts (whole IPv4 packets, IP_HDRINCL,
 * bound to the interface; IPv6 VRRP messages from their link-local source, hop limit 255) and
 * removes their VIPs (RTM_DELADDR), then replays the undo records newest first (the routes,
 * rules, VMAC interfaces, sysctls and nftables tables the worker put in: what its stop would have
 * taken away), then respawns it: at once after a worker
 * that ran >= 10 s, else after 100 ms doubling up to 5 s; a 6th death within 60 s gives up
 * (exit 1, systemd's Restart= takes over). A worker exiting with status 78 (EX_CONFIG: the
 * config is invalid) is never respawned; a respawned worker gets HALO_WORKER_RESPAWNED=1 in its
 * environment (it does not run startup_script again). SIGHUP is forwarded; SIGTERM/SIGINT stop the worker
 * (SIGKILL and a release on its behalf after 10 s).
 *
 * usage: halo_supervisor --pid-file P --log-format plain|journald|json --log-level L
 *                        [--tag T] [--config F] [--remove-dir D]... -- NODE ARGS...
 *        halo_supervisor --run -- NODE ARGS... --halo-run HALO_RUN_ARGS...
 * With --config it logs "Starting halo (config F)" first (so `halo run` itself logs nothing on
 * its way here, and never loads its logger).
 *
 * --run is `halo run` itself (bin/halo execs it: no Node process before this one). The first
 * worker reads `halo run`'s arguments (src/daemon/run-start.ts) and, before it starts anything:
 *   - sends "pidfile P" (hex) once the send is done, before it writes the pid file P naming this
 *     process: however the first worker then ends (stopped between the pid file and "run", or
 *     dead), the supervisor removes P if it names it; or
 *   - exits (an option error, --help, --version, -t, a pid file in use): the supervisor exits
 *     with its status and logs nothing; or
 *   - sends "run PIDFILE FORMAT LEVEL TAG CONFIG OPTIONS [DIR]..." (hex, "-" for empty): the
 *     supervisor takes them as the options above, logs "Starting halo (config F)", answers
 *     "go" and from then on is the supervisor above; a respawned worker gets OPTIONS (the
 *     RunOptions JSON) in place of --halo-run and what follows it; or
 *   - sends "exec ARG..." (hex) and exits 0: the supervisor execs ARG... (`ip netns exec NS
 *     halo_supervisor --pid-file ...`: the config names a net_namespace), keeping its pid.
 * SIGTERM/SIGINT before the "run" is read stop the first worker and `halo run` (exit 0, no line
 * logged, the pid file removed): a "run" or "exec" read after it is not acted on.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EX_CONFIG 78
#define IPPROTO_VRRP 112
#define MAX_RESTARTS 5
#define WINDOW_MS 60000
#define MAX_DELAY_MS 5000
#define STABLE_AFTER_MS 10000
#define STOP_GRACE_MS 10000
#define MAX_STOP_GRACE_MS 3600000
#define MAX_LINE (4 << 20)

/* ---- logging: the three formats of src/daemon/logger.ts ---- */

enum { L_ERROR = 3, L_WARNING = 4, L_NOTICE = 5, L_INFO = 6, L_DEBUG = 7 };
static const char *level_names[] = {[L_ERROR] = "error", [L_WARNING] = "warning", [L_NOTICE] = "notice", [L_INFO] = "info", [L_DEBUG] = "debug"};
static enum { F_PLAIN, F_JOURNALD, F_JSON } log_format = F_PLAIN;
static int log_threshold = L_INFO;
static const char *log_tag = NULL;

static void json_string(FILE *f, const char *s) {
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
    else if (*p == '\n') fputs("\\n", f);
    else if (*p < 0x20) fprintf(f, "\\u%04x", *p);
    else fputc(*p, f);
  }
  fputc('"', f);
}

/* Write all of buf to fd, waiting (bounded) when a non-blocking fd is full. */
static void write_all(int fd, const char *buf, size_t len) {
  for (size_t off = 0, waits = 0; off < len;) {
    ssize_t n = write(fd, buf + off, len - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN && waits++ < 10) {
      struct pollfd p = {.fd = fd, .events = POLLOUT};
      poll(&p, 1, 100);
      continue;
    }
    if (n <= 0) break;
    off += (size_t)n;
  }
}

static void logmsg(int level, const char *fmt, ...) {
  if (level > log_threshold) return;
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (!f) return;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  if (log_format == F_JOURNALD) {
    fprintf(f, "<%d>%s%s%s", level, log_tag ? log_tag : "", log_tag ? ": " : "", msg);
  } else if (log_format == F_JSON) {
    gmtime_r(&ts.tv_sec, &tm);
    char iso[40];
    strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%S", &tm);
    fprintf(f, "{\"level\":\"%s\",\"message\":", level_names[level]);
    json_string(f, msg);
    fprintf(f, ",\"timestamp\":\"%s.%03ldZ\"}", iso, ts.tv_nsec / 1000000);
  } else {
    localtime_r(&ts.tv_sec, &tm);
    char when[40];
    strftime(when, sizeof when, "%a %b %d %H:%M:%S %Y", &tm);
    fprintf(f, "%s: %s%s%s", when, log_tag ? log_tag : "", log_tag ? ": " : "", msg);
  }
  fputc('\n', f);
  fclose(f);
  /* the worker's Node may set O_NONBLOCK on the stdout they share */
  write_all(STDOUT_FILENO, buf, len);
  free(buf);
}

/* ---- what the worker holds as MASTER ---- */

/* An IPv4 packet is whole (IP header included); an IPv6 one (src[0] set) the VRRP message alone. */
struct packet { char dst[INET6_ADDRSTRLEN]; char src[INET6_ADDRSTRLEN]; unsigned char *bytes; size_t len; };
struct vip { int family; unsigned char addr[16]; char text[INET6_ADDRSTRLEN]; int prefixlen; char dev[IF_NAMESIZE + 1]; };
struct held {
  struct held *next;
  char name[256];
  char ifname[IF_NAMESIZE + 1];
  struct packet *packets;
  size_t npackets;
  struct vip *vips;
  size_t nvips;
};
static struct held *held_list = NULL;

static void held_free(struct held *h) {
  for (size_t i = 0; i < h->npackets; i++) free(h->packets[i].bytes);
  free(h->packets);
  free(h->vips);
  free(h);
}

static void held_forget(const char *name) {
  for (struct held **pp = &held_list; *pp; pp = &(*pp)->next) {
    if (strcmp((*pp)->name, name) == 0) {
      struct held *h = *pp;
      *pp = h->next;
      held_free(h);
      return;
    }
  }
}

static void held_clear(void) {
  while (held_list) {
    struct held *h = held_list;
    held_list = h->next;
    held_free(h);
  }
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Decode hex `s` into `out` (capacity cap, NUL-terminated when text); returns the length or -1. */
static ssize_t unhex(const char *s, unsigned char *out, size_t cap) {
  size_t n = strlen(s);
  if (n % 2 || n / 2 > cap) return -1;
  for (size_t i = 0; i < n / 2; i++) {
    int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return -1;
    out[i] = (unsigned char)(hi << 4 | lo);
  }
  return (ssize_t)(n / 2);
}

static int unhex_text(const char *s, char *out, size_t cap) {
  ssize_t n = unhex(s, (unsigned char *)out, cap - 1);
  if (n < 0) return -1;
  out[n] = '\0';
  return 0;
}

/* "held ..." (the text after the verb, tokens separated by single spaces); 0 or -1 malformed. */
static int parse_held(char *rest) {
  char *save = NULL;
  char *tok;
#define NEXT() (tok = strtok_r(NULL, " ", &save))
  struct held *h = calloc(1, sizeof *h);
  if (!h) return -1;
  if (!(tok = strtok_r(rest, " ", &save)) || unhex_text(tok, h->name, sizeof h->name) < 0) goto bad;
  if (!NEXT() || unhex_text(tok, h->ifname, sizeof h->ifname) < 0) goto bad;
  if (!NEXT()) goto bad;
  h->npackets = strtoul(tok, NULL, 10);
  if (h->npackets > 64) goto bad;
  h->packets = calloc(h->npackets ? h->npackets : 1, sizeof *h->packets);
  for (size_t i = 0; i < h->npackets; i++) {
    struct packet *p = &h->packets[i];
    if (!NEXT()) goto bad;
    char *at = strchr(tok, '@'); /* DST@SRC: an IPv6 VRRP message */
    if (at) {
      *at = '\0';
      if (strlen(at + 1) >= sizeof p->src || at[1] == '\0') goto bad;
      strcpy(p->src, at + 1);
    }
    if (strlen(tok) >= sizeof p->dst) goto bad;
    strcpy(p->dst, tok);
    if (!NEXT()) goto bad;
    p->bytes = malloc(strlen(tok) / 2 + 1);
    ssize_t n = p->bytes ? unhex(tok, p->bytes, strlen(tok) / 2) : -1;
    if (n < (p->src[0] ? 8 : 20)) goto bad;
    p->len = (size_t)n;
  }
  if (!NEXT()) goto bad;
  h->nvips = strtoul(tok, NULL, 10);
  if (h->nvips > 100000) goto bad;
  h->vips = calloc(h->nvips ? h->nvips : 1, sizeof *h->vips);
  for (size_t i = 0; i < h->nvips; i++) {
    struct vip *v = &h->vips[i];
    if (!NEXT()) goto bad;
    v->family = atoi(tok) == 6 ? AF_INET6 : AF_INET;
    if (!NEXT() || strlen(tok) >= sizeof v->text || inet_pton(v->family, tok, v->addr) != 1) goto bad;
    strcpy(v->text, tok);
    if (!NEXT()) goto bad;
    v->prefixlen = atoi(tok);
    if (!NEXT() || unhex_text(tok, v->dev, sizeof v->dev) < 0) goto bad;
  }
#undef NEXT
  held_forget(h->name);
  h->next = held_list;
  held_list = h;
  return 0;
bad:
  held_free(h);
  return -1;
}

/* ---- what the worker installed besides VIPs: undo records ---- */

enum { U_NETLINK, U_SYSCTL };
struct undo {
  struct undo *next;
  char key[512];
  int kind;
  int protocol;
  unsigned char *bytes; /* U_NETLINK: one datagram of whole netlink messages */
  size_t len;
  char path[256];       /* U_SYSCTL: under /proc/sys */
  long value;
};
static struct undo *undo_list = NULL; /* newest first */

static void undo_forget(const char *key) {
  for (struct undo **pp = &undo_list; *pp; pp = &(*pp)->next) {
    if (strcmp((*pp)->key, key) == 0) {
      struct undo *u = *pp;
      *pp = u->next;
      free(u->bytes);
      free(u);
      return;
    }
  }
}

static void undo_clear(void) {
  while (undo_list) undo_forget(undo_list->key);
}

/* "undo KEY nl PROTO HEX" / "undo KEY sysctl PATH VALUE" (the text after the verb); 0 or -1. */
static int parse_undo(char *rest) {
  char *save = NULL;
  char *key = strtok_r(rest, " ", &save), *kind = strtok_r(NULL, " ", &save);
  char *a = strtok_r(NULL, " ", &save), *b = strtok_r(NULL, " ", &save);
  if (!key || !kind || !a || !b || strtok_r(NULL, " ", &save)) return -1;
  struct undo *u = calloc(1, sizeof *u);
  if (!u || unhex_text(key, u->key, sizeof u->key) < 0) goto bad;
  if (strcmp(kind, "nl") == 0) {
    u->kind = U_NETLINK;
    u->protocol = atoi(a);
    u->bytes = malloc(strlen(b) / 2 + 1);
    ssize_t n = u->bytes ? unhex(b, u->bytes, strlen(b) / 2) : -1;
    if (n < (ssize_t)NLMSG_HDRLEN) goto bad;
    u->len = (size_t)n;
    /* whole messages only */
    size_t off = 0;
    while (off < u->len) {
      struct nlmsghdr *nh = (struct nlmsghdr *)(u->bytes + off);
      if (u->len - off < NLMSG_HDRLEN || nh->nlmsg_len < NLMSG_HDRLEN || nh->nlmsg_len > u->len - off) goto bad;
      off += NLMSG_ALIGN(nh->nlmsg_len);
    }
  } else if (strcmp(kind, "sysctl") == 0) {
    u->kind = U_SYSCTL;
    if (unhex_text(a, u->path, sizeof u->path) < 0 || strstr(u->path, "..")) goto bad;
    u->value = strtol(b, NULL, 10);
  } else goto bad;
  undo_forget(u->key);
  u->next = undo_list;
  undo_list = u;
  return 0;
bad:
  if (u) free(u->bytes);
  free(u);
  return -1;
}

/* Already gone: not an error for an undo. */
static int undo_gone(int err) { return err == ENOENT || err == ESRCH || err == ENODEV || err == EADDRNOTAVAIL; }

/* Send one undo datagram and wait (bounded) for the ACK of each message that asked for one; 0 or an errno. */
static int replay_netlink(struct undo *u, uint32_t *seq) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, u->protocol);
  if (fd < 0) return errno;
  struct timeval tv = {.tv_sec = 2};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  uint32_t first = *seq;
  int want = 0;
  for (size_t off = 0; off < u->len;) {
    struct nlmsghdr *nh = (struct nlmsghdr *)(u->bytes + off);
    nh->nlmsg_seq = (*seq)++;
    if (nh->nlmsg_flags & NLM_F_ACK) want++;
    off += NLMSG_ALIGN(nh->nlmsg_len);
  }
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  int result = 0;
  if (sendto(fd, u->bytes, u->len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
    result = errno;
    want = 0;
  }
  char buf[8192];
  while (want > 0) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      result = errno;
      break;
    }
    for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n); nh = NLMSG_NEXT(nh, n)) {
      if (nh->nlmsg_seq < first || nh->nlmsg_seq >= *seq || nh->nlmsg_type != NLMSG_ERROR) continue;
      int err = -((struct nlmsgerr *)NLMSG_DATA(nh))->error;
      if (err != 0 && !undo_gone(err) && result == 0) result = err;
      want--;
    }
  }
  close(fd);
  return result;
}

static int replay_sysctl(const struct undo *u) {
  char file[300];
  snprintf(file, sizeof file, "/proc/sys/%s", u->path);
  int fd = open(file, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? 0 : errno; /* the interface went, its settings with it */
  char text[32];
  int len = snprintf(text, sizeof text, "%ld\n", u->value);
  int result = write(fd, text, (size_t)len) == len ? 0 : errno;
  close(fd);
  return result;
}

/* The dead worker's undo records, newest first (its stop would have taken these away). */
static void replay_undo(void) {
  if (!undo_list) return;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  uint32_t seq = 1;
  int n = 0, failed = 0;
  for (struct undo *u = undo_list; u; u = u->next, n++) {
    int err = u->kind == U_NETLINK ? replay_netlink(u, &seq) : replay_sysctl(u);
    if (err != 0) {
      failed++;
      logmsg(L_ERROR, "removing %s for the dead worker: %s", u->key, strerror(err));
    } else logmsg(L_INFO, "removed %s for the dead worker", u->key);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
  logmsg(L_NOTICE, "undid %d change%s of the dead worker (%d failed) (%.1f ms)", n, n == 1 ? "" : "s", failed, ms);
  undo_clear();
}

/* SIGTERM/SIGINT: the worker's time to stop before SIGKILL (the worker may ask for more: stopgrace). */
static long stop_grace_ms = STOP_GRACE_MS;

/* ---- --run: the first worker read `halo run`'s command line ---- */

static int run_mode = 0;       /* --run, until the first worker's "run" */
static int stopping = 0;       /* SIGTERM/SIGINT received */
static char **exec_argv = NULL; /* its "exec" */
static char **worker_argv;
static int channel = -1;
static const char *pid_file = NULL;
#define MAX_REMOVE_DIRS 4
static const char *remove_dirs[MAX_REMOVE_DIRS];
static int n_remove_dirs = 0;
static const char *config_file = NULL;

static void set_log_format(const char *f) {
  log_format = strcmp(f, "json") == 0 ? F_JSON : strcmp(f, "journald") == 0 ? F_JOURNALD : F_PLAIN;
}

static void set_log_level(const char *l) {
  for (int k = L_ERROR; k <= L_DEBUG; k++)
    if (strcmp(l, level_names[k]) == 0) log_threshold = k;
}

/* A "run"/"exec" token: hex, or "-" for an empty string; a new string or NULL (malformed). */
static char *field(const char *tok) {
  if (strcmp(tok, "-") == 0) return strdup("");
  size_t cap = strlen(tok) / 2 + 1;
  char *out = malloc(cap);
  if (out && unhex_text(tok, out, cap) < 0) {
    free(out);
    return NULL;
  }
  return out;
}

/* "run ...": 0, or -1 malformed. */
static int parse_run(char *rest) {
  char *save = NULL, *tok[64];
  int n = 0;
  for (char *t = strtok_r(rest, " ", &save); t && n < 64; t = strtok_r(NULL, " ", &save)) tok[n++] = t;
  if (n < 6 || n > 6 + MAX_REMOVE_DIRS) return -1;
  char *v[6 + MAX_REMOVE_DIRS];
  for (int k = 0; k < n; k++)
    if (k != 1 && k != 2 && !(v[k] = field(tok[k]))) return -1;
  pid_file = v[0];
  set_log_format(tok[1]);
  set_log_level(tok[2]);
  log_tag = v[3][0] ? v[3] : NULL;
  config_file = v[4];
  /* a respawned worker: the options JSON instead of --halo-run and the arguments */
  for (char **a = worker_argv; *a; a++)
    if (strcmp(*a, "--halo-run") == 0) {
      a[0] = v[5];
      a[1] = NULL;
      break;
    }
  for (int k = 6; k < n; k++) remove_dirs[n_remove_dirs++] = v[k];
  return 0;
}

/* "exec ...": 0, or -1 malformed. */
static int parse_exec(char *rest) {
  char *save = NULL;
  size_t n = 0, cap = 16;
  char **argv = calloc(cap, sizeof *argv);
  for (char *t = strtok_r(rest, " ", &save); t && argv; t = strtok_r(NULL, " ", &save)) {
    if (n + 2 > cap) argv = realloc(argv, (cap *= 2) * sizeof *argv);
    if (!argv || !(argv[n++] = field(t))) return -1;
  }
  if (!argv || n == 0) return -1;
  argv[n] = NULL;
  exec_argv = argv;
  return 0;
}

/* The pid file, if it names this process. */
static void remove_pid_file(void) {
  if (!pid_file) return;
  FILE *f = fopen(pid_file, "r");
  long pid = 0;
  if (f) {
    if (fscanf(f, "%ld", &pid) != 1) pid = 0;
    fclose(f);
  }
  if (pid == (long)getpid()) unlink(pid_file);
}

static void send_go(void) {
  static const char go[] = "\"go\"\n";
  if (channel >= 0) write_all(channel, go, sizeof go - 1);
}

static void on_message(char *line) {
  /* a JSON string of our alphabet: no escapes to undo */
  size_t n = strlen(line);
  if (n < 2 || line[0] != '"' || line[n - 1] != '"') return; /* not ours (an object from Node itself) */
  line[n - 1] = '\0';
  char *m = line + 1;
  if (strncmp(m, "held ", 5) == 0) {
    if (parse_held(m + 5) < 0) logmsg(L_WARNING, "supervisor: malformed message from the worker ignored");
  } else if (strncmp(m, "stopgrace ", 10) == 0) {
    long v = strtol(m + 10, NULL, 10);
    stop_grace_ms = v < STOP_GRACE_MS ? STOP_GRACE_MS : v > MAX_STOP_GRACE_MS ? MAX_STOP_GRACE_MS : v;
  } else if (strncmp(m, "undo ", 5) == 0) {
    if (parse_undo(m + 5) < 0) logmsg(L_WARNING, "supervisor: malformed message from the worker ignored");
  } else if (strncmp(m, "undone ", 7) == 0) {
    char key[512];
    if (unhex_text(m + 7, key, sizeof key) == 0) undo_forget(key);
  } else if (strncmp(m, "released ", 9) == 0) {
    char name[256];
    if (unhex_text(m + 9, name, sizeof name) == 0) held_forget(name);
  } else if (run_mode && strncmp(m, "pidfile ", 8) == 0) {
    char *p = field(m + 8);
    if (p && p[0]) pid_file = p;
    else logmsg(L_WARNING, "supervisor: malformed message from the worker ignored");
  } else if (run_mode && stopping && (strncmp(m, "run ", 4) == 0 || strncmp(m, "exec ", 5) == 0)) {
    /* stopped before the start: the first worker is being stopped, nothing is started */
  } else if (run_mode && strncmp(m, "run ", 4) == 0) {
    if (parse_run(m + 4) < 0) {
      logmsg(L_ERROR, "supervisor: malformed start message from the worker");
      exit(1);
    }
    run_mode = 0;
    logmsg(L_INFO, "Starting halo (config %s)", config_file);
    send_go();
  } else if (run_mode && strncmp(m, "exec ", 5) == 0) {
    if (parse_exec(m + 5) < 0) logmsg(L_WARNING, "supervisor: malformed message from the worker ignored");
  }
}

/* ---- the release: priority-0 adverts, then the VIPs off ---- */

/* One IPv6 VRRP message from its link-local source, hop limit 255, traffic class 0xc0 (as the worker sends). */
static void send_advert6(const struct held *h, unsigned ifindex, const struct packet *p) {
  int fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_VRRP);
  if (fd < 0) {
    logmsg(L_ERROR, "(%s) opening a raw IPv6 socket for protocol 112 on %s: %s", h->name, h->ifname, strerror(errno));
    return;
  }
  int hops = 255, zero = 0, tclass = 0xc0, ifi = (int)ifindex;
  struct sockaddr_in6 from = {.sin6_family = AF_INET6, .sin6_scope_id = ifindex};
  struct sockaddr_in6 to = {.sin6_family = AF_INET6, .sin6_scope_id = ifindex};
  const char *step = "setting up the IPv6 VRRP socket";
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, h->ifname, (socklen_t)strlen(h->ifname)) < 0 ||
      setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof hops) < 0 ||
      setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof hops) < 0 ||
      setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &zero, sizeof zero) < 0 ||
      setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifi, sizeof ifi) < 0 ||
      setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tclass, sizeof tclass) < 0 ||
      (step = "binding to the advert's source", inet_pton(AF_INET6, p->src, &from.sin6_addr) != 1) ||
      bind(fd, (struct sockaddr *)&from, sizeof from) < 0 ||
      (step = "sending VRRP", inet_pton(AF_INET6, p->dst, &to.sin6_addr) != 1) ||
      sendto(fd, p->bytes, p->len, 0, (struct sockaddr *)&to, sizeof to) < 0)
    logmsg(L_ERROR, "(%s) %s to %s from %s on %s: %s", h->name, step, p->dst, p->src, h->ifname, strerror(errno));
  close(fd);
}

static void send_adverts(const struct held *h) {
  unsigned ifindex = if_nametoindex(h->ifname);
  if (ifindex == 0) {
    logmsg(L_ERROR, "(%s) cannot send priority 0: interface %s: %s", h->name, h->ifname, strerror(errno));
    return;
  }
  size_t n4 = 0;
  for (size_t i = 0; i < h->npackets; i++) {
    if (h->packets[i].src[0]) send_advert6(h, ifindex, &h->packets[i]);
    else n4++;
  }
  if (n4 == 0) return;
  int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_VRRP);
  if (fd < 0) {
    logmsg(L_ERROR, "(%s) opening a raw IPv4 socket for protocol 112 on %s: %s", h->name, h->ifname, strerror(errno));
    return;
  }
  int one = 1, zero = 0;
  struct ip_mreqn ifonly = {.imr_ifindex = (int)ifindex};
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, h->ifname, (socklen_t)strlen(h->ifname)) < 0 ||
      setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof one) < 0 ||
      setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &zero, sizeof zero) < 0 ||
      setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &ifonly, sizeof ifonly) < 0) {
    logmsg(L_ERROR, "(%s) setting up the VRRP socket on %s: %s", h->name, h->ifname, strerror(errno));
    close(fd);
    return;
  }
  for (size_t i = 0; i < h->npackets; i++) {
    if (h->packets[i].src[0]) continue;
    struct sockaddr_in to = {.sin_family = AF_INET};
    if (inet_pton(AF_INET, h->packets[i].dst, &to.sin_addr) != 1 ||
        sendto(fd, h->packets[i].bytes, h->packets[i].len, 0, (struct sockaddr *)&to, sizeof to) < 0)
      logmsg(L_ERROR, "(%s) sending VRRP to %s on %s: %s", h->name, h->packets[i].dst, h->ifname, strerror(errno));
  }
  close(fd);
}

static void remove_vip(int nl, const struct held *h, const struct vip *v, uint32_t seq) {
  unsigned ifindex = if_nametoindex(v->dev);
  if (ifindex == 0) return; /* the interface is gone, and its addresses with it */
  struct {
    struct nlmsghdr nh;
    struct ifaddrmsg ifa;
    char attrs[64];
  } req;
  memset(&req, 0, sizeof req);
  size_t alen = v->family == AF_INET ? 4 : 16;
  req.nh.nlmsg_len = NLMSG_LENGTH(sizeof req.ifa);
  req.nh.nlmsg_type = RTM_DELADDR;
  req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  req.nh.nlmsg_seq = seq;
  req.ifa.ifa_family = (unsigned char)v->family;
  req.ifa.ifa_prefixlen = (unsigned char)v->prefixlen;
  req.ifa.ifa_index = ifindex;
  unsigned short types[2] = {IFA_LOCAL, IFA_ADDRESS};
  for (int i = 0; i < 2; i++) {
    struct rtattr *rta = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.nh.nlmsg_len));
    rta->rta_type = types[i];
    rta->rta_len = (unsigned short)RTA_LENGTH(alen);
    memcpy(RTA_DATA(rta), v->addr, alen);
    req.nh.nlmsg_len = NLMSG_ALIGN(req.nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
  }
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  int err = 0;
  if (sendto(nl, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
    err = errno;
  } else {
    char buf[8192];
    for (int tries = 0; tries < 16; tries++) {
      ssize_t n = recv(nl, buf, sizeof buf, 0);
      if (n < 0) {
        err = errno;
        break;
      }
      struct nlmsghdr *nh = (struct nlmsghdr *)buf;
      if (!NLMSG_OK(nh, (size_t)n) || nh->nlmsg_seq != seq) continue;
      if (nh->nlmsg_type == NLMSG_ERROR) err = -((struct nlmsgerr *)NLMSG_DATA(nh))->error;
      break;
    }
  }
  if (err != 0 && err != EADDRNOTAVAIL && err != ENODEV)
    logmsg(L_ERROR, "(%s) removing VIP %s/%d from %s: %s", h->name, v->text, v->prefixlen, v->dev, strerror(err));
}

static void release_held(void) {
  if (!held_list) return;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  /* adverts first: the backup takes over after Skew_Time while the VIPs go */
  for (struct held *h = held_list; h; h = h->next) send_adverts(h);
  int nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (nl < 0) {
    logmsg(L_ERROR, "opening an rtnetlink socket to remove VIPs: %s", strerror(errno));
  } else {
    struct timeval tv = {.tv_sec = 2};
    setsockopt(nl, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    uint32_t seq = 1;
    for (struct held *h = held_list; h; h = h->next)
      for (size_t i = 0; i < h->nvips; i++) remove_vip(nl, h, &h->vips[i], seq++);
    close(nl);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  char names[1024] = "";
  for (struct held *h = held_list; h; h = h->next) {
    size_t used = strlen(names);
    snprintf(names + used, sizeof names - used, "%s%s", used ? ", " : "", h->name);
  }
  double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
  logmsg(L_NOTICE, "released %s for the dead worker: priority 0 advert sent, VIPs removed (%.1f ms)", names, ms);
  held_clear();
}

/* ---- the worker ---- */

static pid_t worker = 0;
static char *linebuf = NULL;
static size_t linelen = 0;
static int64_t started_at = 0;

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Workers started so far: a respawned worker is told so (HALO_WORKER_RESPAWNED), and does not
 * run startup_script again (keepalived runs it once, before it first starts its children). */
static int workers_started = 0;

static void start_worker(void) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
    logmsg(L_ERROR, "cannot create the worker's channel: %s", strerror(errno));
    exit(1);
  }
  started_at = now_ms();
  pid_t pid = fork();
  if (pid < 0) {
    logmsg(L_ERROR, "cannot fork the worker: %s", strerror(errno));
    exit(1);
  }
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    if (dup2(sv[1], 3) < 0) _exit(127); /* dup2 clears FD_CLOEXEC on 3 */
    if (sv[1] == 3) fcntl(3, F_SETFD, 0);
    setenv("NODE_CHANNEL_FD", "3", 1);
    setenv("NODE_CHANNEL_SERIALIZATION_MODE", "json", 1);
    if (workers_started > 0) setenv("HALO_WORKER_RESPAWNED", "1", 1);
    execv(worker_argv[0], worker_argv);
    fprintf(stderr, "halo supervisor: cannot run %s: %s\n", worker_argv[0], strerror(errno));
    _exit(127);
  }
  workers_started++;
  close(sv[1]);
  channel = sv[0];
  fcntl(channel, F_SETFL, O_NONBLOCK);
  linelen = 0;
  worker = pid;
}

/* Read what the worker sent; returns 0 at EOF (the channel is then closed). */
static int read_channel(void) {
  char buf[65536];
  for (;;) {
    ssize_t n = read(channel, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return 1; /* EAGAIN: all read for now */
    if (n == 0) {
      close(channel);
      channel = -1;
      return 0;
    }
    for (ssize_t i = 0; i < n; i++) {
      if (buf[i] == '\n') {
        linebuf[linelen] = '\0';
        on_message(linebuf);
        linelen = 0;
      } else if (linelen < MAX_LINE - 1) {
        linebuf[linelen++] = buf[i];
      }
    }
  }
}

/* ---- respawn policy ---- */

static int64_t restarts[MAX_RESTARTS];
static int nrestarts = 0;
static int64_t last_delay = 0;

/* The delay before the next start, or -1: give up. */
static int64_t decide_respawn(int64_t now, int64_t ran_ms) {
  int kept = 0;
  for (int i = 0; i < nrestarts; i++)
    if (now - restarts[i] < WINDOW_MS) restarts[kept++] = restarts[i];
  nrestarts = kept;
  if (nrestarts >= MAX_RESTARTS) return -1;
  int64_t delay = ran_ms >= STABLE_AFTER_MS ? 0 : (last_delay * 2 > MAX_DELAY_MS ? MAX_DELAY_MS : (last_delay * 2 < 100 ? 100 : last_delay * 2));
  restarts[nrestarts++] = now;
  last_delay = delay;
  return delay;
}

/* The pid directories (--remove-dir, innermost first) are removed at exit when empty, as
 * keepalived 2.2.7 removes /run/keepalived/NS and /run/keepalived (clear_namespaces, remove_pid_dir). */

static void leave(int code) {
  remove_pid_file();
  for (int k = 0; k < n_remove_dirs; k++)
    if (rmdir(remove_dirs[k]) && errno != ENOENT && errno != ENOTEMPTY && errno != EBUSY)
      logmsg(L_INFO, "unlink of %s failed - error (%d) '%s'", remove_dirs[k], errno, strerror(errno));
  logmsg(L_INFO, "halo exiting with status %d", code);
  exit(code);
}

/* The first worker of --run ended before its "run": `halo run` ends as it did (no line logged),
 * without the pid file it took for this process; stopped meanwhile, it ends with status 0. */
static void first_worker_ended(int status) {
  if (stopping) {
    if (!pid_file && exec_argv)
      for (char **a = exec_argv; *a && a[1]; a++)
        if (strcmp(*a, "--pid-file") == 0) pid_file = a[1];
    remove_pid_file();
    int ours = WIFSIGNALED(status) && (WTERMSIG(status) == SIGTERM || WTERMSIG(status) == SIGKILL);
    exit(ours || (WIFEXITED(status) && WEXITSTATUS(status) == 0) ? 0 : WIFEXITED(status) ? WEXITSTATUS(status) : 1);
  }
  if (exec_argv && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execv(exec_argv[0], exec_argv);
    fprintf(stderr, "halo run: cannot start the supervisor: execv %s: %s\n", exec_argv[0], strerror(errno));
    /* the pid file the worker took for this process */
    for (char **a = exec_argv; *a && a[1]; a++)
      if (strcmp(*a, "--pid-file") == 0) {
        pid_file = a[1];
        break;
      }
    remove_pid_file();
    exit(1);
  }
  remove_pid_file();
  exit(WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1);
}

int main(int argc, char **argv) {
  int i = 1;
  for (; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0) {
      i++;
      break;
    }
    if (strcmp(argv[i], "--run") == 0) {
      run_mode = 1;
      continue;
    }
    if (i + 1 >= argc) break;
    if (strcmp(argv[i], "--pid-file") == 0) pid_file = argv[++i];
    else if (strcmp(argv[i], "--remove-dir") == 0) {
      if (n_remove_dirs < MAX_REMOVE_DIRS) remove_dirs[n_remove_dirs++] = argv[++i];
      else i++;
    }
    else if (strcmp(argv[i], "--tag") == 0) log_tag = argv[++i];
    else if (strcmp(argv[i], "--config") == 0) config_file = argv[++i];
    else if (strcmp(argv[i], "--log-format") == 0) set_log_format(argv[++i]);
    else if (strcmp(argv[i], "--log-level") == 0) set_log_level(argv[++i]);
    else break;
  }
  if (i >= argc) {
    fprintf(stderr, "usage: halo_supervisor --pid-file P --log-format F --log-level L [--tag T] [--config F] [--remove-dir D]... -- NODE ARGS...\n"
                    "       halo_supervisor --run -- NODE ARGS... --halo-run HALO_RUN_ARGS...\n");
    return 2;
  }
  if (config_file && !run_mode) logmsg(L_INFO, "Starting halo (config %s)", config_file);
  worker_argv = argv + i;
  linebuf = malloc(MAX_LINE);
  if (!linebuf) return 1;
  /* Node may have left stdout non-blocking; the supervisor's lines must not be dropped */
  for (int fd = 1; fd <= 2; fd++) {
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0 && (fl & O_NONBLOCK)) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
  }
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  sigaddset(&mask, SIGHUP);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  signal(SIGPIPE, SIG_IGN);
  int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) {
    fprintf(stderr, "halo supervisor: signalfd: %s\n", strerror(errno));
    return 1;
  }

  int64_t respawn_at = -1; /* a pending start */
  int64_t kill_at = -1;    /* the stop's grace period ends */
  start_worker();
  for (;;) {
    int64_t now = now_ms();
    int64_t next = respawn_at >= 0 ? respawn_at : kill_at;
    int timeout = next < 0 ? -1 : (next <= now ? 0 : (int)(next - now));
    struct pollfd pfd[2] = {{.fd = sfd, .events = POLLIN}, {.fd = channel, .events = POLLIN}};
    int r = poll(pfd, channel >= 0 ? 2 : 1, timeout);
    if (r < 0 && errno != EINTR) {
      logmsg(L_ERROR, "supervisor: poll: %s", strerror(errno));
      leave(1);
    }
    now = now_ms();
    if (respawn_at >= 0 && now >= respawn_at) {
      respawn_at = -1;
      if (stopping) leave(0);
      start_worker();
    }
    if (kill_at >= 0 && now >= kill_at && worker > 0) {
      kill(worker, SIGKILL);
      kill_at = -1;
    }
    if (channel >= 0 && r > 0 && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))) read_channel();
    struct signalfd_siginfo si;
    while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
      if (si.ssi_signo == SIGHUP) {
        if (worker > 0) kill(worker, SIGHUP);
      } else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
        if (stopping) continue;
        stopping = 1;
        if (worker > 0) {
          kill(worker, SIGTERM);
          kill_at = now + stop_grace_ms;
        } else {
          leave(0);
        }
      }
    }
    /* reap; SIGCHLD signals may coalesce, so always try */
    int status;
    pid_t dead;
    while ((dead = waitpid(-1, &status, WNOHANG)) > 0) {
      if (dead != worker) continue;
      worker = 0;
      kill_at = -1;
      while (channel >= 0 && read_channel()) {
        /* the worker's last messages are read before acting on its death */
        struct pollfd p = {.fd = channel, .events = POLLIN};
        if (poll(&p, 1, 100) <= 0) break;
      }
      if (channel >= 0) {
        close(channel);
        channel = -1;
      }
      if (run_mode) first_worker_ended(status);
      int clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
      if (stopping && clean) leave(0);
      if (WIFEXITED(status) && WEXITSTATUS(status) == EX_CONFIG) {
        /* the worker printed the located errors: nothing was started */
        held_clear();
        undo_clear();
        leave(1);
      }
      if (WIFSIGNALED(status)) {
        const char *abbrev = sigabbrev_np(WTERMSIG(status));
        if (abbrev) logmsg(L_ERROR, "worker (pid %d) killed by SIG%s", (int)dead, abbrev);
        else logmsg(L_ERROR, "worker (pid %d) killed by signal %d", (int)dead, WTERMSIG(status));
      }
      else logmsg(L_ERROR, "worker (pid %d) exited with status %d", (int)dead, WEXITSTATUS(status));
      release_held();
      replay_undo();
      if (stopping) leave(clean ? 0 : 1);
      int64_t delay = decide_respawn(now, now - started_at);
      if (delay < 0) {
        logmsg(L_ERROR, "not respawning the worker: worker died %d times within %d s", nrestarts + 1, WINDOW_MS / 1000);
        leave(1);
      }
      if (delay) logmsg(L_NOTICE, "respawning the worker in %lld ms", (long long)delay);
      else logmsg(L_NOTICE, "respawning the worker");
      respawn_at = now + delay;
    }
  }
}
