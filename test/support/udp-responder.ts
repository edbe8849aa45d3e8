/**
 * A tiny UDP responder for UDP_CHECK tests: in a namespace, on ADDRESS:PORT (IPv4 or IPv6), it
 * answers the datagram "halo" with the reply it was started with. Started and stopped by PID.
 */
import type { ChildProcess } from 'node:child_process';
import { stopProcess, type Topology } from './netns';

export class UdpResponder {
  private proc: ChildProcess | null = null;

  constructor(private readonly topo: Topology, private readonly host: string, private readonly address: string, private readonly port: number) {}

  start(reply: string): void {
    const type = this.address.includes(':') ? 'udp6' : 'udp4';
    this.proc = this.topo.spawn(this.host, [process.execPath, '-e',
      `const s=require('dgram').createSocket('${type}');s.on('message',(m,r)=>{if(m.toString()==='halo')s.send(Buffer.from(${JSON.stringify(reply)}),r.port,r.address)});s.bind(${this.port},'${this.address}')`], { stdio: 'ignore' });
  }

  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    await stopProcess(p, 'SIGKILL');
  }
}
