/**
 * A private network per harness: a Linux bridge with no uplink, one network namespace per pod attached to it, and
 * an /etc/hosts file that resolves pod and Service names to pod addresses, as cluster DNS would.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const LOCK_DIR = '/tmp/cdk8s-ivorysql-e2e';

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Removes networks left behind by harnesses whose process is gone. */
function cleanStale(): void {
  fs.mkdirSync(LOCK_DIR, { recursive: true });
  for (const file of fs.readdirSync(LOCK_DIR)) {
    const m = /^net-(\d+)\.pid$/.exec(file);
    if (!m) continue;
    const owner = Number(fs.readFileSync(path.join(LOCK_DIR, file), 'utf8'));
    if (alive(owner)) continue;
    removeNetwork(Number(m[1]));
    fs.rmSync(path.join(LOCK_DIR, file), { force: true });
  }
}

function removeNetwork(id: number): void {
  for (const line of ip('netns', 'list').split('\n')) {
    const name = line.split(' ')[0];
    if (name.startsWith(`ivp${id}-`)) {
      try { ip('netns', 'del', name); } catch { /* already gone */ }
    }
  }
  try { ip('link', 'del', `ivb${id}`); } catch { /* already gone */ }
}

export class Network {
  /** Claims a free network id and creates its bridge. */
  public static create(): Network {
    cleanStale();
    for (let attempt = 0; attempt < 250; attempt++) {
      const id = ((process.pid + attempt) % 240) + 10;
      const lock = path.join(LOCK_DIR, `net-${id}.pid`);
      try {
        fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      } catch {
        continue;
      }
      return new Network(id, lock);
    }
    throw new Error('no free test network id');
  }

  /** The host side of the bridge: where the storage emulators listen. */
  public readonly gateway: string;
  public readonly hostsFile: string;
  private readonly bridge: string;
  private readonly hosts = new Map<string, string>();
  private nextHost = 2;
  private readonly namespaces: string[] = [];

  private constructor(public readonly id: number, private readonly lock: string) {
    this.bridge = `ivb${id}`;
    this.gateway = `10.231.${id}.1`;
    this.hostsFile = path.join(LOCK_DIR, `hosts-${id}`);
    removeNetwork(id);
    ip('link', 'add', this.bridge, 'type', 'bridge');
    ip('addr', 'add', `${this.gateway}/24`, 'dev', this.bridge);
    ip('link', 'set', this.bridge, 'up');
    this.writeHosts();
  }

  /** Creates a network namespace for a pod and returns its name and address. */
  public addPod(pod: string): { netns: string; address: string } {
    const n = this.nextHost++;
    if (n > 254) throw new Error('too many pods for one test network');
    const netns = `ivp${this.id}-${n}`;
    const hostSide = `ivh${this.id}x${n}`;
    const address = `10.231.${this.id}.${n}`;
    ip('netns', 'add', netns);
    this.namespaces.push(netns);
    ip('link', 'add', hostSide, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns);
    ip('link', 'set', hostSide, 'master', this.bridge);
    ip('link', 'set', hostSide, 'up');
    ip('-n', netns, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
    ip('-n', netns, 'link', 'set', 'eth0', 'up');
    ip('-n', netns, 'link', 'set', 'lo', 'up');
    void pod;
    return { netns, address };
  }

  public removePod(netns: string): void {
    try { ip('netns', 'del', netns); } catch { /* gone */ }
  }

  /**
   * Adds or changes DNS names; the file is rewritten in place so running sandboxes see it, only when something changed.
   * Returns whether something did.
   */
  public setHosts(names: string[], address: string): boolean {
    const changed = names.filter(name => this.hosts.get(name) !== address);
    for (const name of changed) this.hosts.set(name, address);
    if (changed.length) this.writeHosts();
    return changed.length > 0;
  }

  /** Removes DNS names (they stop resolving); returns whether any was there. */
  public removeHosts(names: string[]): boolean {
    const removed = names.filter(name => this.hosts.delete(name));
    if (removed.length) this.writeHosts();
    return removed.length > 0;
  }

  /** The address a name resolves to, if any. */
  public lookup(name: string): string | undefined {
    return this.hosts.get(name);
  }

  /** Takes a pod's interface down or up, as the network of a node that dies (or comes back) would. */
  public setLink(netns: string, up: boolean): void {
    ip('-n', netns, 'link', 'set', 'eth0', up ? 'up' : 'down');
  }

  private writeHosts(): void {
    const lines = ['127.0.0.1 localhost', ...[...this.hosts.entries()].map(([name, address]) => `${address} ${name}`)];
    fs.writeFileSync(this.hostsFile, lines.join('\n') + '\n');
  }

  public destroy(): void {
    for (const ns of this.namespaces) this.removePod(ns);
    removeNetwork(this.id);
    fs.rmSync(this.hostsFile, { force: true });
    fs.rmSync(this.lock, { force: true });
  }
}
