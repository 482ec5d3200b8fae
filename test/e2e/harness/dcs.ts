/**
 * Patroni's DCS where there is no Kubernetes API: one etcd (Debian's 3.4) per LocalCluster, listening for clients on
 * the test network's gateway, and what the harness changes in the rendered configuration for it (nothing else):
 * - a ConfigMap file projected at the path `30-dcs.yaml` holds `etcd3: {hosts: <gateway>:<port>}` instead of the
 *   ConfigMap's `kubernetes:` section;
 * - `PATRONI_KUBERNETES_*` variables are dropped from containers' environments (Patroni would build a `kubernetes`
 *   section from them again).
 * The pure pieces (the substitution, the role labels Patroni would write) are exported for unit tests; `Dcs` runs etcd.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse as parseYaml } from 'yaml';

/** The file name whose ConfigMap content the harness replaces: the rendered Patroni DCS section. */
export const DCS_FILE = '30-dcs.yaml';
/** The environment variables the harness drops: Patroni's Kubernetes DCS settings. */
export const KUBERNETES_ENV_PREFIX = 'PATRONI_KUBERNETES_';

/** The client port of a network's etcd (unique per network id, as the network is). */
export function dcsClientPort(networkId: number): number {
  return 23000 + networkId;
}

/** The peer port of a network's etcd, on 127.0.0.1 (a single member talks to no peer). */
export function dcsPeerPort(networkId: number): number {
  return 24000 + networkId;
}

/** What Patroni reads in place of the rendered `30-dcs.yaml`. */
export function etcd3Section(gateway: string, port: number): string {
  return `etcd3:\n  hosts: ${gateway}:${port}\n`;
}

/** The one substitution in volumes: a file at path `30-dcs.yaml` gets the etcd section; every other file is as rendered. */
export function substituteDcsFile<F extends { path: string; content: string }>(file: F, gateway: string, port: number): F {
  return file.path === DCS_FILE ? { ...file, content: etcd3Section(gateway, port) } : file;
}

/** The one substitution in environments: `PATRONI_KUBERNETES_*` dropped, everything else as resolved. */
export function withoutKubernetesEnv(env: { [name: string]: string }): { [name: string]: string } {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith(KUBERNETES_ENV_PREFIX)));
}

/** The labels Patroni's Kubernetes DCS sets on its pods (kubernetes.py: role_label and its values, with defaults). */
export interface RoleLabelSettings {
  readonly roleLabel: string;
  readonly leaderValue: string;
  readonly followerValue: string;
  readonly standbyLeaderValue: string;
}

/** The role-label settings of a rendered `30-dcs.yaml` (its `kubernetes` section), or undefined without one. */
export function roleLabelSettings(renderedDcsYaml: string): RoleLabelSettings | undefined {
  const k = (parseYaml(renderedDcsYaml) ?? {}).kubernetes;
  if (!k) return undefined;
  return {
    roleLabel: k.role_label ?? 'role',
    leaderValue: k.leader_label_value ?? 'primary',
    followerValue: k.follower_label_value ?? 'replica',
    standbyLeaderValue: k.standby_leader_label_value ?? 'primary',
  };
}

export interface Member {
  readonly name: string;
  readonly role: string;
  readonly state: string;
}

/**
 * The role label value Patroni's touch_member would write for a member (undefined: the label removed): the leader's
 * (or a standby leader's) value on the lock holder, the follower value on a running non-primary, nothing otherwise.
 */
export function roleLabelValue(member: Member, leader: string | undefined, settings: RoleLabelSettings): string | undefined {
  if (leader === member.name) return member.role === 'standby_leader' ? settings.standbyLeaderValue : settings.leaderValue;
  if (member.state === 'running' && member.role !== 'primary') return member.role === 'replica' ? settings.followerValue : member.role;
  return undefined;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');

/** The end of an etcd range that covers every key starting with `prefix`. */
export function prefixRangeEnd(prefix: string): string {
  const bytes = Buffer.from(prefix, 'utf8');
  let i = bytes.length - 1;
  while (i >= 0 && bytes[i] === 0xff) i--;
  if (i < 0) return '\0';
  const end = Buffer.from(bytes.subarray(0, i + 1));
  end[i]++;
  return end.toString('latin1');
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}

/** One etcd for a LocalCluster: started on demand, read through etcd v3's JSON gateway, killed at stop(). */
export class Dcs {
  public readonly port: number;
  public readonly url: string;
  private process?: ChildProcess;
  private starting?: Promise<number>;
  private readonly peerPort: number;
  private readonly dataDir: string;
  private readonly logFile: string;

  constructor(root: string, public readonly gateway: string, networkId: number) {
    this.port = dcsClientPort(networkId);
    this.url = `http://${gateway}:${this.port}`;
    this.dataDir = path.join(root, 'etcd');
    this.logFile = path.join(root, 'etcd.log');
    this.peerPort = dcsPeerPort(networkId);
  }

  public get started(): boolean {
    return this.process !== undefined;
  }

  /** Starts etcd once and waits until it is healthy; resolves with the milliseconds the first start took. */
  public start(): Promise<number> {
    this.starting ??= this.run();
    return this.starting;
  }

  private async run(): Promise<number> {
    const begin = Date.now();
    fs.mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
    const peer = `http://127.0.0.1:${this.peerPort}`;
    const log = fs.openSync(this.logFile, 'a');
    // setpriv --pdeathsig: etcd dies with the test process even when destroy() is never reached.
    this.process = spawn('setpriv', ['--pdeathsig', 'SIGKILL', '--', '/usr/bin/etcd', '--name', 'harness', '--data-dir', this.dataDir,
      '--listen-client-urls', this.url, '--advertise-client-urls', this.url,
      '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', `harness=${peer}`,
      '--initial-cluster-state', 'new', '--logger', 'zap', '--log-level', 'warn'], { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    let exited: number | null | undefined;
    this.process.on('exit', code => { exited = code; });
    for (let i = 0; i < 500; i++) {
      if (exited !== undefined) throw new Error(`etcd exited with ${exited}:\n${this.logs()}`);
      try {
        const r = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(1000) });
        if (r.ok && (await r.json() as any).health === 'true') return Date.now() - begin;
      } catch { /* not listening yet */ }
      await sleep(20);
    }
    throw new Error(`etcd at ${this.url} not healthy after 10 s:\n${this.logs()}`);
  }

  public logs(): string {
    return fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, 'utf8') : '';
  }

  /** Keys and values of a key, or of every key under a prefix. */
  public async range(key: string, prefix = false): Promise<{ key: string; value: string }[]> {
    const body: any = { key: b64(key) };
    if (prefix) body.range_end = Buffer.from(prefixRangeEnd(key), 'latin1').toString('base64');
    const r = await fetch(`${this.url}/v3/kv/range`, { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(2000) });
    if (!r.ok) throw new Error(`etcd range ${key}: HTTP ${r.status} ${await r.text()}`);
    const json = await r.json() as any;
    return (json.kvs ?? []).map((kv: any) => ({ key: unb64(kv.key), value: kv.value ? unb64(kv.value) : '' }));
  }

  /** Deletes every key under a prefix: what a recreated namespace does to the Endpoints Patroni keeps its state in. */
  public async deletePrefix(key: string): Promise<number> {
    const body = { key: b64(key), range_end: Buffer.from(prefixRangeEnd(key), 'latin1').toString('base64') };
    const r = await fetch(`${this.url}/v3/kv/deleterange`, { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(2000) });
    if (!r.ok) throw new Error(`etcd deleterange ${key}: HTTP ${r.status} ${await r.text()}`);
    return Number((await r.json() as any).deleted ?? 0);
  }

  /** Patroni's scopes: the names under /service/. */
  public async scopes(): Promise<string[]> {
    const keys = await this.range('/service/', true);
    return [...new Set(keys.map(k => k.key.split('/')[2]).filter(s => s))];
  }

  /** The member holding the leader lock of a scope (Patroni's `/service/<scope>/leader`), if any. */
  public async leader(scope: string): Promise<string | undefined> {
    const [kv] = await this.range(`/service/${scope}/leader`);
    return kv?.value || undefined;
  }

  /** The members of a scope, as each last wrote itself (`/service/<scope>/members/<name>`). */
  public async members(scope: string): Promise<Member[]> {
    const base = `/service/${scope}/members/`;
    return (await this.range(base, true)).map(kv => {
      let data: any = {};
      try { data = JSON.parse(kv.value); } catch { /* not JSON */ }
      return { name: kv.key.slice(base.length), role: String(data.role ?? ''), state: String(data.state ?? '') };
    });
  }

  public async stop(): Promise<void> {
    const p = this.process;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const gone = new Promise(resolve => p.once('exit', resolve));
    p.kill('SIGKILL');
    await gone;
  }
}
