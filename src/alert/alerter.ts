/**
 * When keepalived 2.2.7 mails (vrrp.c vrrp_smtp_notifier / vrrp_sync_smtp_notifier): on each
 * instance or sync group notification whose smtp_alert is on, unless the state is the one last
 * mailed for it, or it is FAULT under no_email_faults; and for the checkers (check/*.c,
 * ipwrapper.c): a real server's checker result, a virtual server's quorum change. Mail goes out in the background through a
 * bounded queue: the VRRP side never waits on an SMTP server, and a dead or hostile one costs at
 * most MAX_IN_FLIGHT sockets and MAX_QUEUED small messages.
 */
import { hostname } from 'node:os';
import type { Model, SmtpSettings } from '../config/model';
import { dialogue, groupAlert, instanceAlert, realServerAlert, virtualServerAlert, type Alert, type AlertState, type Envelope } from './smtp-message';
import { SmtpError, sendMail, type SmtpServer } from './smtp-client';

export const MAX_IN_FLIGHT = 2;
export const MAX_QUEUED = 32;

export interface AlerterLog {
  info(m: string): void;
  warning(m: string): void;
}

export type Sender = (server: SmtpServer, alert: Alert, env: Envelope, timeoutMs: number, log: (l: string) => void) => Promise<void>;

const realSender: Sender = (server, alert, env, timeoutMs, log) => sendMail(server, dialogue(env, alert, new Date()), { timeoutMs, log });

/** The smtp_alert of a block: its own, else smtp_alert_vrrp, else smtp_alert, else off. */
export function vrrpAlertOn(s: SmtpSettings, own: boolean | null): boolean {
  return own ?? s.alertVrrp ?? s.alert ?? false;
}

export class SmtpAlerter {
  private settings!: SmtpSettings;
  private routerId!: string;
  private instanceOn = new Map<string, boolean>();
  private groupOn = new Map<string, boolean>();
  /** keepalived's last_email_state, per instance and per group (kept across reloads by name). */
  private readonly lastMailed = new Map<string, AlertState>();
  private readonly queue: Alert[] = [];
  private inFlight = 0;
  private readonly idleWaiters: (() => void)[] = [];

  constructor(model: Model, private readonly log: AlerterLog, private readonly sender: Sender = realSender, private readonly host = hostname()) {
    this.configure(model);
  }

  configure(model: Model): void {
    const g = model.globalDefs;
    this.settings = g.smtp;
    this.routerId = g.routerId ?? this.host;
    this.instanceOn = new Map(model.vrrpInstances.map((i) => [i.name, vrrpAlertOn(g.smtp, i.smtpAlert)]));
    this.groupOn = new Map(model.vrrpSyncGroups.map((sg) => [sg.name, vrrpAlertOn(g.smtp, sg.smtpAlert)]));
  }

  /** Whether mail can go anywhere at all (keepalived: emails listed and smtp_server set). */
  private get enabled(): boolean {
    return this.settings.server !== null && this.settings.emails.length > 0;
  }

  /** An instance or group notification (the same moments notify scripts run). */
  notify(kind: 'INSTANCE' | 'GROUP', name: string, state: AlertState): void {
    const on = (kind === 'GROUP' ? this.groupOn : this.instanceOn).get(name) ?? false;
    if (!on || !this.enabled) return;
    if (this.settings.noEmailFaults && state === 'FAULT') return;
    const key = `${kind}:${name}`;
    if (this.lastMailed.get(key) === state) return;
    this.lastMailed.set(key, state);
    if (kind === 'GROUP' && state === 'DELETED') return; // keepalived mails no group DELETED
    this.enqueue(kind === 'GROUP' && state !== 'DELETED' ? groupAlert(this.routerId, name, state) : instanceAlert(this.routerId, name, state));
  }

  /**
   * A checker's mail (keepalived's smtp_alert(SMTP_MSG_RS)): the caller decided the real server's
   * smtp_alert and no_checker_emails allow it; `up` is the real server's state after the change.
   */
  realServer(rs: string, vs: string, up: boolean, body: string): void {
    if (this.enabled) this.enqueue(realServerAlert(this.routerId, rs, vs, up, body));
  }

  /** A virtual server's quorum mail (SMTP_MSG_VS); its smtp_alert was checked by the pool rules. */
  virtualServer(vs: string, up: boolean, body: string): void {
    if (this.enabled) this.enqueue(virtualServerAlert(this.routerId, vs, up, body));
  }

  private enqueue(alert: Alert): void {
    if (this.queue.length >= MAX_QUEUED) {
      this.log.warning(`SMTP alert queue full (${MAX_QUEUED}); dropping alert "${alert.subject}"`);
      return;
    }
    this.queue.push(alert);
    this.pump();
  }

  private pump(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.queue.length > 0) {
      const alert = this.queue.shift()!;
      const server = this.settings.server!;
      const env: Envelope = {
        heloName: this.settings.heloName ?? this.host,
        from: this.settings.from ?? `keepalived@${this.host}`,
        to: this.settings.emails,
      };
      this.inFlight++;
      this.sender(server, alert, env, this.settings.connectTimeoutSec * 1000, (l) => this.log.info(l))
        .catch((e: unknown) => {
          // the client already logged SmtpErrors in keepalived's words
          if (!(e instanceof SmtpError)) this.log.warning(`SMTP alert failed: ${(e as Error).message}`);
        })
        .finally(() => {
          this.inFlight--;
          this.pump();
          if (this.inFlight === 0 && this.queue.length === 0) this.idleWaiters.splice(0).forEach((w) => w());
        });
    }
  }

  /** Resolves once nothing is queued or being sent (tests, orderly shutdown with a bound). */
  idle(): Promise<void> {
    if (this.inFlight === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }
}
