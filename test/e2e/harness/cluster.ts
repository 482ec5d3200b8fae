/**
 * Runs synthesized pods on this machine, as a kubelet and a container runtime would, so the manifests are proven by
 * running them on the engine the images carry (IvorySQL 5.4 and pgBackRest 2.58, built from ../shared/vendor as the
 * image recipe builds them, at the images' paths: test/setup/build-engine.sh):
 * - each pod gets its own network namespace on a private bridge, and DNS names through /etc/hosts;
 * - volumes are materialized (ConfigMap, Secret, projected items with their paths and modes, PVCs as directories
 *   that outlive pods, emptyDir) and bound at their mountPaths inside a bubblewrap sandbox whose root is a tmpfs with
 *   /usr and parts of /etc bound read-only, then remounted read-only; nothing of the host's own files changes;
 * - each container gets its image's PATH, environment, user and passwd entries; its command is PID 1 of a PID
 *   namespace of its own, or, with `shareProcessNamespace`, of the pod's, whose PID 1 is a pause process that reaps;
 * - env is resolved as Kubernetes does (`$(VAR)`, fieldRef, secretKeyRef, configMapKeyRef);
 * - mounted ConfigMaps and Secrets (not env) are updated in running pods when they change, as the kubelet does;
 * - ExternalSecrets of the Kubernetes provider and the Password generator are synced (external-secrets.ts);
 * - init containers run first, then the containers' command and args, as the pod's user with no capabilities;
 * - stopping sends SIGTERM to each container's PID 1, then SIGKILL after the grace period;
 * - readiness probes run as `exec` in the container or as `httpGet` from the pod's network (curl, TLS unverified, as
 *   the kubelet); projected `serviceAccountToken` and the `kube-root-ca.crt` ConfigMap are placeholders (there is no
 *   API server), `downwardAPI` items hold their field values.
 *
 * Patroni (dcs.ts): with no Kubernetes API here, Patroni's DCS is an etcd per cluster, and this is the ONE place the
 * rendered configuration is changed for it: a ConfigMap file projected at the path `30-dcs.yaml` holds
 * `etcd3: {hosts: <gateway>:<port>}` instead of its `kubernetes:` section (configMapItems, for volumes as materialized
 * and as refreshed), and `PATRONI_KUBERNETES_*` variables are dropped from the resolved environment (resolveEnv). etcd
 * starts with the first pod that projects such a file. What the API server would hold of Patroni's writes is played by
 * a poller (syncDcs): the selector-less Service named as the scope resolves to the leader pod (no name without a
 * leader, as Patroni empties the Endpoints when it loses the lock), and member pods get the role label Patroni sets, so
 * selector Services (`<c>-replicas`) and ExternalName Services (`<c>-primary` -> `<c>-ha`) follow.
 * What still differs from Kubernetes is listed in the README (Tests).
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { issueCertManagerSecrets } from './certs';
import { Dcs, DCS_FILE, roleLabelSettings, roleLabelValue, substituteDcsFile, withoutKubernetesEnv } from './dcs';
import { SecretData, syncExternalSecrets } from './external-secrets';
import { Network } from './network';
import { describeWith, Prerequisite } from '../../support/prerequisites';

/** Where build-engine.sh installs IvorySQL: the image's prefix. */
export const IVORYSQL_PREFIX = '/usr/local/ivorysql/ivorysql-5';

/** What an image gives a container: its PATH and environment, and its passwd entries. */
interface ImageConfig {
  readonly env: { [name: string]: string };
  /** The image's USER. */
  readonly uid: number;
  /** passwd entries the image has: name, uid, gid, home. */
  readonly users: { name: string; uid: number; gid: number; home: string }[];
  readonly groups: { name: string; gid: number }[];
  /**
   * A program the image has at a path this machine has it at another: the command's first word is translated, its
   * arguments are not.
   */
  readonly commands?: { [imagePath: string]: string };
}

const BASE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** The images' configuration (../shared/reference/ivorysql-images.md). */
const IMAGES: { pattern: RegExp; config: ImageConfig }[] = [
  {
    // docker.io/ivorysql/ivorysql: IvorySQL first on PATH, the glibc English locale, user ivorysql (998); the PGDG
    // pgBackRest RPM also creates postgres (26).
    pattern: /\/ivorysql:/,
    config: {
      env: { PATH: `${IVORYSQL_PREFIX}/bin:${BASE_PATH}`, LC_ALL: 'en_US.utf-8', LANG: 'en_US.utf-8' },
      uid: 998,
      users: [{ name: 'ivorysql', uid: 998, gid: 998, home: '/home/ivorysql' }, { name: 'postgres', uid: 26, gid: 26, home: '/var/lib/pgsql' }],
      groups: [{ name: 'ivorysql', gid: 998 }, { name: 'postgres', gid: 26 }],
    },
  },
  {
    // docker.io/ivorysql/pgbackrest: pgBackRest in /usr/bin, user ivorysql (998, group 995).
    pattern: /\/pgbackrest:/,
    config: {
      env: { PATH: BASE_PATH },
      uid: 998,
      users: [{ name: 'ivorysql', uid: 998, gid: 995, home: '/home/ivorysql' }, { name: 'postgres', uid: 26, gid: 26, home: '/var/lib/pgsql' }],
      groups: [{ name: 'ivorysql', gid: 995 }, { name: 'postgres', gid: 26 }],
    },
  },
  {
    // docker.io/ivorysql/postgres-exporter (IVYO's exporter image, postgres_exporter 0.17.0 at /opt/cpm/bin): Debian's
    // prometheus-postgres-exporter, 0.11.1, the same program (README, Tests, for what the version difference means).
    // The image's USER is 2; the instance pods set their own uid.
    pattern: /\/postgres-exporter:/,
    config: {
      env: { PATH: BASE_PATH },
      uid: 2,
      users: [],
      groups: [],
      commands: { '/opt/cpm/bin/postgres_exporter/postgres_exporter': '/usr/bin/prometheus-postgres-exporter' },
    },
  },
];

function imageConfig(image: string): ImageConfig {
  const found = IMAGES.find(i => i.pattern.test(image));
  if (!found) throw new Error(`image ${image} is not one the harness knows (IvorySQL, pgBackRest or the exporter): its files are not on this machine`);
  return found.config;
}

/** /etc entries the sandbox takes from the host (read-only); the image's passwd, group and hosts are written. */
const ETC_ENTRIES = ['ld.so.cache', 'ld.so.conf', 'ld.so.conf.d', 'ssl', 'ca-certificates', 'alternatives', 'localtime',
  'timezone', 'nsswitch.conf', 'host.conf', 'gai.conf', 'protocols', 'services', 'os-release', 'debian_version'];

export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface JobResult {
  readonly succeeded: boolean;
  readonly logs: string;
  readonly pod: string;
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}

/** Host processes: pid -> ppid, read from /proc. */
function processTable(): Map<number, number> {
  const table = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(entry), Number(fields[1]));
    } catch { /* exited */ }
  }
  return table;
}

function children(table: Map<number, number>, pid: number): number[] {
  return [...table.entries()].filter(([, ppid]) => ppid === pid).map(([p]) => p).sort((a, b) => a - b);
}

/** Expands Kubernetes `$(VAR)` references; `$$(VAR)` stays literal. Unknown references stay as they are. */
function expand(text: string, vars: { [name: string]: string }): string {
  return text.replace(/\$(\$)?\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, escaped, name) => {
    if (escaped) return `$(${name})`;
    return name in vars ? vars[name] : whole;
  });
}

class Container {
  public process?: ChildProcess;
  public exitCode?: number | null;
  public readonly logFile: string;
  public mainPid?: number;
  private exited?: Promise<number | null>;

  constructor(public readonly pod: Pod, public readonly spec: any, public readonly init: boolean) {
    this.logFile = path.join(pod.dir, `${spec.name}.log`);
  }

  public start(): void {
    const p = this.pod;
    const image = imageConfig(this.spec.image);
    const { uid, gid, groups, home } = p.cluster.identity(p, this.spec);
    const env = { ...p.cluster.resolveEnv(p, this.spec), HOME: home };
    const command = [...(this.spec.command ?? []), ...(this.spec.args ?? [])].map((a: string) => expand(a, env));
    if (command.length === 0) throw new Error(`${p.name}/${this.spec.name}: no command; image entrypoints are not emulated`);
    const program = image.commands?.[command[0]];
    if (program) command[0] = program;
    const sc = { ...p.spec.securityContext, ...this.spec.securityContext };
    const sandbox = p.cluster.sandboxArgs(p, this.spec, env, image);
    const user = ['setpriv', `--reuid=${uid}`, `--regid=${gid}`, `--groups=${groups.join(',')}`,
      '--bounding-set=-all', '--inh-caps=-all', ...(sc.allowPrivilegeEscalation === false ? ['--no-new-privs'] : []), '--', ...command];
    // The command is PID 1 of its own PID namespace (no reaper: an orphan's exit reaches it, as in a container), or a
    // process of the pod's shared one, whose PID 1 is the pause process.
    const args = p.pausePid
      ? ['netns', 'exec', p.netns, 'bash', '-c', 'exec 3<"$0" && exec "$@"', `/proc/${p.pausePid}/ns/pid`, 'bwrap', '--pidns', '3', ...sandbox, '--', ...user]
      : ['netns', 'exec', p.netns, 'bwrap', '--unshare-pid', '--as-pid-1', ...sandbox, '--', ...user];
    const log = fs.openSync(this.logFile, 'a');
    this.process = spawn('ip', args, { detached: true, stdio: ['ignore', log, log] });
    fs.closeSync(log);
    this.exited = new Promise(resolve => this.process!.on('exit', code => {
      this.exitCode = code;
      resolve(code);
    }));
  }

  public wait(): Promise<number | null> {
    return this.exited as Promise<number | null>;
  }

  public get running(): boolean {
    return this.process !== undefined && this.exitCode === undefined;
  }

  /** The host pid of the container's own process: bwrap's child (`ip netns exec` and bash exec into bwrap). */
  public findMainPid(): number | undefined {
    if (this.mainPid && fs.existsSync(`/proc/${this.mainPid}`)) return this.mainPid;
    const pid = this.process?.pid;
    if (!pid) return undefined;
    const table = processTable();
    let current = [pid];
    current = current.flatMap(c => children(table, c));
    this.mainPid = current[0];
    return this.mainPid;
  }

  public logs(): string {
    return fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, 'utf8') : '';
  }

  /**
   * CPU seconds the container has used: its sandbox's init (which reaps every exited process, so their time is in
   * its children's counters) plus every process still running.
   */
  public cpuSeconds(): number {
    const pid = this.process?.pid;
    if (!pid) return 0;
    const ticks = 100; // USER_HZ on Linux
    const stat = (p: number) => {
      try {
        const text = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
        return text.slice(text.lastIndexOf(')') + 2).split(' ').map(Number);
      } catch {
        return undefined;
      }
    };
    const table = processTable();
    const init = children(table, pid)[0];
    if (init === undefined) return 0;
    let total = 0;
    const initStat = stat(init);
    if (initStat) total += initStat[11] + initStat[12] + initStat[13] + initStat[14];
    const walk = (p: number) => {
      for (const c of children(table, p)) {
        const s = stat(c);
        if (s) total += s[11] + s[12];
        walk(c);
      }
    };
    walk(init);
    return total / ticks;
  }

  /** SIGTERM to the container's process, SIGKILL to everything left after the grace period. */
  public async stop(graceSeconds: number): Promise<void> {
    if (!this.running) return;
    const main = this.findMainPid();
    if (main) {
      try { process.kill(main, 'SIGTERM'); } catch { /* gone */ }
    }
    const deadline = Date.now() + graceSeconds * 1000;
    while (this.running && Date.now() < deadline) await sleep(100);
    this.kill();
    await this.wait();
  }

  public kill(): void {
    if (this.process?.pid && this.running) {
      try { process.kill(-this.process.pid, 'SIGKILL'); } catch { /* gone */ }
    }
  }
}

export class Pod {
  public readonly dir: string;
  public netns = '';
  public address = '';
  public readonly containers: Container[] = [];
  public readonly initContainers: Container[] = [];
  public phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed' = 'Pending';
  /** With `shareProcessNamespace`: the host pid of the pod's PID 1 (the pause process). */
  public pausePid?: number;
  private pause?: ChildProcess;

  constructor(public readonly cluster: LocalCluster, public readonly name: string, public readonly metadata: any, public readonly spec: any,
    public readonly claims: { [volume: string]: string }) {
    this.dir = path.join(cluster.root, 'pods', name);
  }

  /** Materializes volumes, runs the init containers to completion, then starts the containers. */
  public async start(): Promise<void> {
    fs.rmSync(this.dir, { recursive: true, force: true });
    fs.mkdirSync(this.dir, { recursive: true });
    this.cluster.materializeVolumes(this);
    if (this.spec.shareProcessNamespace) await this.startPause();
    for (const spec of this.spec.initContainers ?? []) {
      const c = new Container(this, spec, true);
      this.initContainers.push(c);
      c.start();
      const code = await c.wait();
      if (code !== 0) {
        this.phase = 'Failed';
        throw new Error(`pod ${this.name}: init container ${spec.name} exited with ${code}:\n${c.logs()}`);
      }
    }
    for (const spec of this.spec.containers) {
      const c = new Container(this, spec, false);
      this.containers.push(c);
      c.start();
    }
    this.phase = 'Running';
  }

  /**
   * The pod's PID namespace, as the pause container holds it: bwrap's own PID 1 reaps every orphan, and `sleep`
   * keeps it alive. Containers join it (`bwrap --pidns`).
   */
  private async startPause(): Promise<void> {
    this.pause = spawn('ip', ['netns', 'exec', this.netns, 'bwrap', '--die-with-parent', '--unshare-pid', '--ro-bind', '/', '/', '--proc', '/proc',
      '--', 'sleep', 'infinity'], { detached: true, stdio: 'ignore' });
    for (let i = 0; i < 100 && !this.pausePid; i++) {
      await sleep(20);
      const table = processTable();
      // ip (exec'd into bwrap) -> bwrap's PID 1 in the new namespace -> sleep.
      this.pausePid = children(table, this.pause.pid as number)[0];
    }
    if (!this.pausePid) throw new Error(`pod ${this.name}: the pause process did not start`);
  }

  public container(name: string): Container {
    const c = [...this.containers, ...this.initContainers].find(x => x.spec.name === name);
    if (!c) throw new Error(`pod ${this.name} has no container ${name}`);
    return c;
  }

  /** Runs each container's readiness probe (`exec` or `httpGet`) until all pass. */
  public async waitReady(timeoutSeconds = 120): Promise<void> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    for (const c of this.containers) {
      const probe = c.spec.readinessProbe;
      const command = probe?.exec?.command;
      const http = probe?.httpGet ? httpGetProbeCommand(probe.httpGet, c.spec, this.address) : undefined;
      while (true) {
        const exited = () => new Error(`pod ${this.name}: container ${c.spec.name} exited with ${c.exitCode}:\n${c.logs()}`);
        if (!c.running) throw exited();
        if (!command && !http) break;
        if (http) {
          if (httpGetProbePasses(this.probeHttp(http))) break;
        } else {
          // The container may exit while the probe starts: that is its exit, not the probe's.
          const r = await this.cluster.exec(this.name, c.spec.name, command, { quiet: true }).catch(e => {
            if (!c.running) throw exited();
            throw e;
          });
          if (r.code === 0) break;
        }
        if (Date.now() > deadline) throw new Error(`pod ${this.name}: ${c.spec.name} not ready after ${timeoutSeconds}s:\n${c.logs()}`);
        await sleep(500);
      }
    }
  }

  /** Runs an httpGet probe's curl from the pod's network namespace; returns curl's output (the HTTP status). */
  private probeHttp(command: string[]): string {
    try {
      return execFileSync('ip', ['netns', 'exec', this.netns, ...command], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10000 });
    } catch (e) {
      // curl exits non-zero when it cannot connect; it still wrote 000.
      return String((e as any).stdout ?? '');
    }
  }

  /** Waits for every container to exit; the pod succeeds when all exit 0. */
  public async waitCompleted(timeoutSeconds: number): Promise<boolean> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    for (const c of this.containers) {
      while (c.running) {
        if (Date.now() > deadline) {
          await this.stop(0);
          throw new Error(`pod ${this.name}: still running after ${timeoutSeconds}s:\n${this.logs()}`);
        }
        await sleep(200);
      }
    }
    this.phase = this.containers.every(c => c.exitCode === 0) ? 'Succeeded' : 'Failed';
    return this.phase === 'Succeeded';
  }

  public async stop(graceSeconds = 30): Promise<void> {
    await Promise.all(this.containers.map(c => c.stop(graceSeconds)));
    for (const c of this.initContainers) c.kill();
    // The pause process goes last; when a PID namespace's PID 1 exits, the kernel kills what is left in it.
    if (this.pause?.pid) {
      try { process.kill(-this.pause.pid, 'SIGKILL'); } catch { /* gone */ }
    }
  }

  public logs(): string {
    return [...this.initContainers, ...this.containers].map(c => `--- ${this.name}/${c.spec.name}\n${c.logs()}`).join('\n');
  }

  /** Host pids of every process of the pod: its containers' and, in a shared namespace, the pause process's tree. */
  public processes(): number[] {
    const table = processTable();
    const roots = [...this.containers.map(c => c.process?.pid), this.pause?.pid].filter((p): p is number => p !== undefined);
    const found: number[] = [];
    const walk = (pid: number) => {
      for (const c of children(table, pid)) {
        found.push(c);
        walk(c);
      }
    };
    roots.forEach(walk);
    return found;
  }

  /** Stops every process of the pod where it stands (SIGSTOP), as a node that stops responding would. */
  public freeze(): void {
    for (const pid of this.processes()) {
      try { process.kill(pid, 'SIGSTOP'); } catch { /* gone */ }
    }
  }

  public thaw(): void {
    for (const pid of this.processes()) {
      try { process.kill(pid, 'SIGCONT'); } catch { /* gone */ }
    }
  }
}

export interface LocalClusterOptions {
  /** Secrets the user manages (name -> key -> value). */
  readonly secrets?: { [name: string]: { [key: string]: string } };
  /** Extra DNS names (name -> address), e.g. the storage emulators. */
  readonly hosts?: { [name: string]: string };
  /**
   * PVCs of these StorageClasses live in memory (/dev/shm), standing in for a device of their own: on this machine
   * every other volume shares one disk, which a repo host on another node does not.
   */
  readonly memoryStorageClasses?: string[];
}

/** A stand-in for the Kubernetes cluster: the synthesized objects, their pods, volumes and network. */
export class LocalCluster {
  public readonly root: string;
  public readonly network: Network;
  public readonly pods = new Map<string, Pod>();
  private manifests: any[] = [];
  private readonly secrets = new Map<string, { [key: string]: string }>();
  private jobRuns = 0;
  private readonly issuedSpecs = new Map<string, string>();
  /** Values external-secrets' generators made, kept as a refreshInterval of 0s keeps them. */
  private readonly generated = new Map<string, SecretData>();
  private readonly etcDir: string;
  /** Patroni's DCS, started with the first pod that projects a `30-dcs.yaml` (dcs.ts). */
  public readonly dcs: Dcs;
  private dcsPoller?: NodeJS.Timeout;
  private dcsSyncing = false;

  private readonly memoryClasses: string[];
  private readonly memoryRoot: string;

  constructor(manifests: any[], options: LocalClusterOptions = {}, network?: Network) {
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), 'ivory-e2e-'));
    this.memoryClasses = options.memoryStorageClasses ?? [];
    this.memoryRoot = path.join('/dev/shm', path.basename(this.root));
    fs.chmodSync(this.root, 0o755);
    this.network = network ?? Network.create();
    this.etcDir = path.join(this.root, 'etc');
    this.dcs = new Dcs(this.root, this.network.gateway, this.network.id);
    for (const [name, data] of Object.entries(options.secrets ?? {})) this.secrets.set(name, data);
    for (const [name, address] of Object.entries(options.hosts ?? {})) this.network.setHosts([name], address);
    this.apply(manifests);
  }

  /** Adds or replaces objects, like `kubectl apply`; cert-manager issues Certificates that are new. */
  public apply(manifests: any[]): void {
    const key = (m: any) => `${m.kind}/${m.metadata.namespace}/${m.metadata.name}`;
    const byKey = new Map(this.manifests.map(m => [key(m), m]));
    for (const m of manifests) byKey.set(key(m), m);
    this.manifests = [...byKey.values()];
    // cert-manager issues new Certificates and re-issues changed ones (a CA keeps its key, so trust holds).
    const changed = manifests.filter(m => m.kind === 'Certificate' && this.issuedSpecs.get(m.spec.secretName) !== JSON.stringify(m.spec));
    if (changed.length) {
      const issued = issueCertManagerSecrets(this.manifests.filter(m => m.kind === 'Issuer' || m.kind === 'Certificate'), path.join(this.root, 'certs'), this.secrets);
      for (const cert of changed) {
        if (cert.spec.isCA && this.secrets.has(cert.spec.secretName)) continue;
        this.secrets.set(cert.spec.secretName, issued.get(cert.spec.secretName) as { [key: string]: string });
        this.issuedSpecs.set(cert.spec.secretName, JSON.stringify(cert.spec));
      }
    }
    this.syncExternalSecrets();
    this.refreshVolumes();
  }

  /** Creates or changes a Secret the user manages; what reads it (ExternalSecrets, mounted volumes) follows. */
  public setSecret(name: string, data: { [key: string]: string }): void {
    this.secrets.set(name, data);
    this.syncExternalSecrets();
    this.refreshVolumes();
  }

  /** A Secret as it is now (one the user set, cert-manager issued or external-secrets wrote). */
  public secret(name: string): { [key: string]: string } | undefined {
    return this.secrets.get(name);
  }

  private syncExternalSecrets(): void {
    const written = syncExternalSecrets({ objects: kind => this.objects(kind), secret: name => this.secrets.get(name) }, this.generated);
    for (const [name, data] of written) this.secrets.set(name, data);
  }

  /**
   * The kubelet's update of mounted ConfigMap, Secret and projected volumes in running pods: each file is replaced
   * whole (written beside it, then renamed), so a reader sees the old content or the new, never part of it. A source
   * that does not exist (optional) leaves its files as they are.
   */
  private refreshVolumes(): void {
    for (const pod of this.pods.values()) {
      if (pod.phase !== 'Running') continue;
      const fsGroup: number | undefined = pod.spec.securityContext?.fsGroup;
      for (const v of pod.spec.volumes ?? []) {
        let files: VolumeFile[] | undefined;
        try {
          files = this.volumeFiles(pod, v);
        } catch {
          continue;
        }
        if (!files) continue;
        const dir = path.join(pod.dir, 'volumes', v.name);
        for (const f of files) {
          const target = path.join(dir, f.path);
          if (fs.existsSync(target) && fs.readFileSync(target, 'utf8') === f.content) continue;
          fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
          const tmp = `${target}.${process.pid}.tmp`;
          fs.writeFileSync(tmp, f.content, { mode: f.mode });
          fs.chmodSync(tmp, f.mode);
          if (fsGroup !== undefined) fs.chownSync(tmp, 0, fsGroup);
          fs.renameSync(tmp, target);
        }
      }
    }
  }

  /**
   * cert-manager renewing a Certificate: a new key pair from the same CA in its Secret, and, as the kubelet does for
   * a Secret volume, the files updated in place in every running pod that mounts it (each replaced atomically). The
   * containers keep running: whatever uses the files has to notice.
   */
  public renewCertificate(secretName: string): void {
    const cert = this.manifests.find(m => m.kind === 'Certificate' && m.spec.secretName === secretName);
    if (!cert || cert.spec.isCA) throw new Error(`no leaf Certificate writes Secret ${secretName}`);
    const certManaged = this.manifests.filter(m => m.kind === 'Issuer' || m.kind === 'Certificate');
    const issued = issueCertManagerSecrets(certManaged, path.join(this.root, 'certs'), this.secrets);
    this.secrets.set(secretName, issued.get(secretName) as { [key: string]: string });
    this.refreshVolumes();
  }

  public object(kind: string, name: string): any {
    const found = this.manifests.find(m => m.kind === kind && m.metadata.name === name);
    if (!found) throw new Error(`no ${kind} ${name} in the manifests`);
    return found;
  }

  public objects(kind: string): any[] {
    return this.manifests.filter(m => m.kind === kind);
  }

  /**
   * An image's /etc/passwd and /etc/group: the base system's entries (uid below 100, nobody) and the image's own
   * users; a uid the image does not list has no entry, as under OpenShift's arbitrary uids.
   */
  private imageEtc(image: ImageConfig): { passwd: string; group: string } {
    const key = path.join(this.etcDir, String(IMAGES.findIndex(i => i.config === image)));
    if (!fs.existsSync(key)) {
      fs.mkdirSync(key, { recursive: true });
      const base = (file: string, own: number[]) => fs.readFileSync(file, 'utf8').split('\n')
        .filter(l => l && (Number(l.split(':')[2]) < 100 || l.split(':')[2] === '65534') && !own.includes(Number(l.split(':')[2])));
      const passwd = [...base('/etc/passwd', image.users.map(u => u.uid)), ...image.users.map(u => `${u.name}:x:${u.uid}:${u.gid}::${u.home}:/bin/bash`)];
      const group = [...base('/etc/group', image.groups.map(g => g.gid)), ...image.groups.map(g => `${g.name}:x:${g.gid}:`)];
      fs.writeFileSync(path.join(key, 'passwd'), passwd.join('\n') + '\n');
      fs.writeFileSync(path.join(key, 'group'), group.join('\n') + '\n');
    }
    return { passwd: path.join(key, 'passwd'), group: path.join(key, 'group') };
  }

  /**
   * Who a container runs as, as the runtime decides: `runAsUser`, else the image's USER; `runAsGroup`, else the
   * user's group in the image's passwd, else 0; plus fsGroup and supplementalGroups. HOME from the passwd entry, else /.
   */
  public identity(pod: Pod, spec: any): { uid: number; gid: number; groups: number[]; home: string } {
    const image = imageConfig(spec.image);
    const sc = { ...pod.spec.securityContext, ...spec.securityContext };
    const uid: number = sc.runAsUser ?? image.uid;
    const entry = image.users.find(u => u.uid === uid);
    const gid: number = sc.runAsGroup ?? entry?.gid ?? 0;
    const psc = pod.spec.securityContext ?? {};
    const groups = [...new Set([gid, ...(psc.fsGroup !== undefined ? [psc.fsGroup] : []), ...(psc.supplementalGroups ?? [])])];
    return { uid, gid, groups, home: entry?.home ?? '/' };
  }

  /** Arguments for bwrap: namespaces, the read-only image filesystem and the container's volume mounts. */
  public sandboxArgs(pod: Pod, spec: any, env: { [name: string]: string }, image: ImageConfig): string[] {
    const etc = this.imageEtc(image);
    const args = ['--die-with-parent', '--unshare-uts', '--unshare-ipc', '--hostname', pod.spec.hostname ?? pod.name,
      '--tmpfs', '/', '--ro-bind', '/usr', '/usr', '--symlink', 'usr/bin', '/bin', '--symlink', 'usr/lib', '/lib',
      '--symlink', 'usr/lib64', '/lib64', '--symlink', 'usr/sbin', '/sbin', '--proc', '/proc', '--dev', '/dev',
      // Like a container runtime: a private, world-writable /dev/shm for PostgreSQL's shared memory.
      '--perms', '1777', '--size', String(64 * 1024 * 1024), '--tmpfs', '/dev/shm', '--dir', '/etc'];
    for (const entry of ETC_ENTRIES) {
      if (fs.existsSync(`/etc/${entry}`)) args.push('--ro-bind', `/etc/${entry}`, `/etc/${entry}`);
    }
    args.push('--ro-bind', etc.passwd, '/etc/passwd', '--ro-bind', etc.group, '/etc/group',
      '--ro-bind', this.network.hostsFile, '/etc/hosts');
    // bwrap would create missing parents of mount points with mode 0700; an image has them 0755.
    const parents = new Set<string>();
    for (const m of spec.volumeMounts ?? []) {
      for (let d = path.dirname(m.mountPath); d !== '/' && !d.startsWith('/usr') && d !== '/etc'; d = path.dirname(d)) parents.add(d);
    }
    for (const d of [...parents].sort()) args.push('--perms', '0755', '--dir', d);
    for (const m of spec.volumeMounts ?? []) {
      const source = path.join(pod.dir, 'volumes', m.name);
      if (!fs.existsSync(source)) throw new Error(`${pod.name}/${spec.name}: volume ${m.name} is not defined in the pod`);
      const readOnly = m.readOnly || fs.existsSync(path.join(source, '..', `${m.name}.readonly`));
      args.push(readOnly ? '--ro-bind' : '--bind', source, m.mountPath);
    }
    if (spec.securityContext?.readOnlyRootFilesystem) args.push('--remount-ro', '/');
    args.push('--clearenv');
    for (const [name, value] of Object.entries(env)) args.push('--setenv', name, value);
    args.push('--chdir', spec.workingDir ?? '/');
    return args;
  }

  /** Resolves a container's environment as the kubelet does. */
  public resolveEnv(pod: Pod, spec: any): { [name: string]: string } {
    const env: { [name: string]: string } = { ...imageConfig(spec.image).env, HOSTNAME: pod.name };
    for (const e of spec.env ?? []) {
      if (e.value !== undefined) {
        env[e.name] = expand(e.value, env);
      } else if (e.valueFrom?.fieldRef) {
        env[e.name] = this.fieldValue(pod, e.valueFrom.fieldRef.fieldPath);
      } else if (e.valueFrom?.secretKeyRef) {
        const ref = e.valueFrom.secretKeyRef;
        const value = this.secrets.get(ref.name)?.[ref.key];
        if (value === undefined && !ref.optional) throw new Error(`${pod.name}/${spec.name}: CreateContainerConfigError: secret ${ref.name} key ${ref.key} not found`);
        if (value !== undefined) env[e.name] = value;
      } else if (e.valueFrom?.configMapKeyRef) {
        const ref = e.valueFrom.configMapKeyRef;
        env[e.name] = this.object('ConfigMap', ref.name).data[ref.key];
      } else {
        env[e.name] = '';
      }
    }
    return withoutKubernetesEnv(env);
  }

  private fieldValue(pod: Pod, fieldPath: string): string {
    switch (fieldPath) {
      case 'metadata.name': return pod.name;
      case 'metadata.namespace': return pod.metadata.namespace ?? 'default';
      case 'status.podIP': return pod.address;
      case 'spec.serviceAccountName': return pod.spec.serviceAccountName ?? 'default';
      // The kubelet's format for a whole map in a downwardAPI file: key="value" lines, sorted.
      case 'metadata.labels':
      case 'metadata.annotations': {
        const map: { [k: string]: string } = pod.metadata[fieldPath.split('.')[1]] ?? {};
        return Object.keys(map).sort().map(k => `${k}=${JSON.stringify(map[k])}`).join('\n');
      }
      default: {
        const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
        if (m) return pod.metadata[m[1]]?.[m[2]] ?? '';
        throw new Error(`fieldRef ${fieldPath} is not emulated`);
      }
    }
  }

  /** Writes a pod's volumes under its directory, with the kubelet's ownership and modes. */
  public materializeVolumes(pod: Pod): void {
    const fsGroup: number | undefined = pod.spec.securityContext?.fsGroup;
    const volumesDir = path.join(pod.dir, 'volumes');
    fs.mkdirSync(volumesDir, { recursive: true });
    const writeFiles = (dir: string, files: VolumeFile[]) => {
      fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
      for (const f of files) {
        const target = path.join(dir, f.path);
        fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
        fs.writeFileSync(target, f.content, { mode: f.mode });
        fs.chmodSync(target, f.mode);
        if (fsGroup !== undefined) fs.chownSync(target, 0, fsGroup);
      }
      fs.writeFileSync(path.join(dir, '..', `${path.basename(dir)}.readonly`), '');
    };
    for (const v of pod.spec.volumes ?? []) {
      const dir = path.join(volumesDir, v.name);
      if (v.persistentVolumeClaim) {
        const claim = v.persistentVolumeClaim.claimName;
        const pvc = this.claimDir(claim);
        this.applyFsGroup(pvc, fsGroup, pod.spec.securityContext?.fsGroupChangePolicy);
        fs.symlinkSync(pvc, dir);
      } else if (v.emptyDir) {
        fs.mkdirSync(dir, { recursive: true });
        fs.chmodSync(dir, 0o1777);
      } else if (v.ephemeral) {
        // A generic ephemeral volume: a fresh claim for this pod, gone with it.
        fs.mkdirSync(dir, { recursive: true });
        fs.chownSync(dir, 0, fsGroup ?? 0);
        fs.chmodSync(dir, 0o2775);
      } else if (v.configMap || v.secret || v.projected || v.downwardAPI) {
        writeFiles(dir, this.volumeFiles(pod, v) as VolumeFile[]);
      } else {
        throw new Error(`${pod.name}: volume ${v.name} of this type is not emulated`);
      }
    }
    for (const [volume, claim] of Object.entries(pod.claims)) {
      const dir = path.join(volumesDir, volume);
      if (!fs.existsSync(dir)) {
        const pvc = this.claimDir(claim);
        this.applyFsGroup(pvc, fsGroup, pod.spec.securityContext?.fsGroupChangePolicy);
        fs.symlinkSync(pvc, dir);
      }
    }
  }

  /**
   * The files of a ConfigMap, Secret, projected or downwardAPI volume, as the kubelet writes (and refreshes) them;
   * undefined for other volumes. Projected `serviceAccountToken` sources are a placeholder file (no API server issues
   * tokens here), `downwardAPI` items their field values.
   */
  private volumeFiles(pod: Pod, v: any): VolumeFile[] | undefined {
    const fromDownwardApi = (items: any[], defaultMode: number) => items.map((i: any) => {
      if (!i.fieldRef) throw new Error(`${pod.name}: downwardAPI item ${i.path} without fieldRef is not emulated`);
      return { path: i.path, content: this.fieldValue(pod, i.fieldRef.fieldPath), mode: i.mode ?? defaultMode };
    });
    if (v.configMap) return this.configMapFiles(v.configMap, v.configMap.defaultMode ?? 0o644);
    if (v.secret) return this.secretFiles({ ...v.secret, name: v.secret.secretName }, v.secret.defaultMode ?? 0o644);
    if (v.downwardAPI) return fromDownwardApi(v.downwardAPI.items ?? [], v.downwardAPI.defaultMode ?? 0o644);
    if (!v.projected) return undefined;
    const mode = v.projected.defaultMode ?? 0o644;
    return v.projected.sources.flatMap((s: any): VolumeFile[] => {
      if (s.configMap) return this.configMapFiles(s.configMap, mode);
      if (s.secret) return this.secretFiles(s.secret, mode);
      if (s.downwardAPI) return fromDownwardApi(s.downwardAPI.items ?? [], mode);
      if (s.serviceAccountToken) return [{ path: s.serviceAccountToken.path, content: SERVICE_ACCOUNT_TOKEN_PLACEHOLDER, mode }];
      throw new Error(`${pod.name}: projected source ${Object.keys(s).join(',')} is not emulated`);
    });
  }

  /** A PVC: a directory that outlives pods, root's like a freshly provisioned volume until a pod's fsGroup applies. */
  public claimDir(claim: string): string {
    const pvc = this.manifests.find(m => m.kind === 'PersistentVolumeClaim' && m.metadata.name === claim);
    const inMemory = pvc && this.memoryClasses.includes(pvc.spec.storageClassName);
    const dir = path.join(inMemory ? this.memoryRoot : this.root, 'pvc', claim);
    if (!fs.existsSync(dir)) {
      fs.mkdirSync(dir, { recursive: true });
      fs.chmodSync(dir, 0o755);
    }
    return dir;
  }

  /**
   * The kubelet's fsGroup on a mounted claim: group-owned by fsGroup and setgid, group-writable; with
   * `fsGroupChangePolicy: OnRootMismatch` only when the volume's root does not match yet, then recursively.
   */
  /* eslint-disable no-bitwise */
  private applyFsGroup(dir: string, fsGroup: number | undefined, policy: string | undefined): void {
    if (fsGroup === undefined) return;
    const root = fs.statSync(dir);
    if (policy === 'OnRootMismatch' && root.gid === fsGroup && (root.mode & 0o2070) === 0o2070) return;
    const walk = (p: string) => {
      const st = fs.lstatSync(p);
      if (st.isSymbolicLink()) return;
      fs.chownSync(p, st.uid, fsGroup);
      fs.chmodSync(p, (st.mode & 0o7777) | (st.isDirectory() ? 0o2070 : 0o060));
      if (st.isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
    };
    walk(dir);
  }
  /* eslint-enable no-bitwise */

  private configMapFiles(ref: any, defaultMode: number): VolumeFile[] {
    const cm = this.manifests.find(m => m.kind === 'ConfigMap' && m.metadata.name === ref.name);
    return configMapItems(cm, ref, defaultMode, { gateway: this.network.gateway, port: this.dcs.port });
  }

  /**
   * The rendered (not substituted) `30-dcs.yaml` a pod projects, if any: the poller reads its `kubernetes.role_label`.
   */
  public renderedDcsConfig(spec: any): string | undefined {
    for (const v of spec.volumes ?? []) {
      const sources = v.configMap ? [v.configMap] : (v.projected?.sources ?? []).map((s: any) => s.configMap).filter((s: any) => s);
      for (const ref of sources) {
        const cm = this.manifests.find(m => m.kind === 'ConfigMap' && m.metadata.name === ref.name);
        const items = ref.items ?? Object.keys(cm?.data ?? {}).map((k: string) => ({ key: k, path: k }));
        const item = items.find((i: any) => i.path === DCS_FILE);
        if (item && cm?.data?.[item.key] !== undefined) return cm.data[item.key];
      }
    }
    return undefined;
  }

  private secretFiles(ref: any, defaultMode: number): { path: string; content: string; mode: number }[] {
    const data = this.secrets.get(ref.name);
    if (!data) {
      if (ref.optional) return [];
      throw new Error(`Secret ${ref.name} not found: the pod would stay ContainerCreating`);
    }
    const items = ref.items ?? Object.keys(data).map(k => ({ key: k, path: k }));
    return items.map((i: any) => {
      if (data[i.key] === undefined) throw new Error(`Secret ${ref.name} has no key ${i.key}`);
      return { path: i.path, content: data[i.key], mode: i.mode ?? defaultMode };
    });
  }

  /** Creates a pod: its network namespace and DNS names, then starts it. */
  private async createPod(name: string, metadata: any, spec: any, claims: { [volume: string]: string } = {}): Promise<Pod> {
    const old = this.pods.get(name);
    if (old) {
      await old.stop(5);
      this.network.removePod(old.netns);
    }
    const pod = new Pod(this, name, metadata, spec, claims);
    const { netns, address } = this.network.addPod(name);
    pod.netns = netns;
    pod.address = address;
    this.pods.set(name, pod);
    this.updateDns();
    if (this.renderedDcsConfig(spec) !== undefined) await this.startDcs();
    await pod.start();
    return pod;
  }

  /** Starts etcd and the poller that plays the API server for Patroni, once; resolves with etcd's start in ms. */
  public async startDcs(): Promise<number> {
    const ms = await this.dcs.start();
    if (!this.dcsPoller) {
      this.dcsPoller = setInterval(() => void this.syncDcs(), 250);
      this.dcsPoller.unref();
    }
    return ms;
  }

  /**
   * What Patroni's Kubernetes DCS would have written through the API server, from its etcd keys: the selector-less
   * Service named as each scope (Endpoints Patroni keeps) resolves to the leader pod, or to nothing without a leader
   * (Patroni empties them when it loses the lock); member pods get the role label Patroni sets (its touch_member),
   * from the rendered `30-dcs.yaml`'s `kubernetes` section. DNS is updated when something changed.
   */
  public async syncDcs(): Promise<void> {
    if (this.dcsSyncing) return;
    this.dcsSyncing = true;
    try {
      let changed = false;
      for (const scope of await this.dcs.scopes()) {
        const [leader, members] = await Promise.all([this.dcs.leader(scope), this.dcs.members(scope)]);
        for (const svc of this.objects('Service').filter(s => s.metadata.name === scope && !hasSelector(s) && !isHeadless(s))) {
          const names = serviceNames(svc);
          const target = leader ? this.pods.get(leader) : undefined;
          changed = (target ? this.network.setHosts(names, target.address) : this.network.removeHosts(names)) || changed;
        }
        for (const m of members) {
          const pod = this.pods.get(m.name);
          const rendered = pod && this.renderedDcsConfig(pod.spec);
          const settings = rendered ? roleLabelSettings(rendered) : undefined;
          if (!pod || !settings) continue;
          const value = roleLabelValue(m, leader, settings);
          const labels = { ...pod.metadata.labels };
          if (labels[settings.roleLabel] === value) continue;
          if (value === undefined) delete labels[settings.roleLabel];
          else labels[settings.roleLabel] = value;
          pod.metadata.labels = labels;
          changed = true;
        }
      }
      if (changed) this.updateDns();
    } catch {
      // etcd not answering for a moment (or stopped at destroy): the next round tries again.
    } finally {
      this.dcsSyncing = false;
    }
  }

  /** Takes a pod's network down (as a node that dies), or brings it back. Its processes keep running. */
  public cutNetwork(podName: string): void {
    this.network.setLink(this.pod(podName).netns, false);
  }

  public restoreNetwork(podName: string): void {
    this.network.setLink(this.pod(podName).netns, true);
  }

  /**
   * Pod and Service names as cluster DNS resolves them: ClusterIP Services to their one selected pod (to nothing while
   * none is selected), ExternalName Services to wherever their externalName resolves. Headless and selector-less
   * Services are left alone (the latter's Endpoints are Patroni's: syncDcs).
   */
  public updateDns(): void {
    for (const pod of this.pods.values()) {
      const ns = pod.metadata.namespace ?? 'default';
      if (pod.spec.subdomain) {
        const base = `${pod.spec.hostname ?? pod.name}.${pod.spec.subdomain}`;
        this.network.setHosts([base, `${base}.${ns}`, `${base}.${ns}.svc`, `${base}.${ns}.svc.cluster.local`], pod.address);
      }
    }
    for (const svc of this.objects('Service')) {
      if (isHeadless(svc) || svc.spec.type === 'ExternalName' || !hasSelector(svc)) continue;
      const selector = svc.spec.selector;
      const target = [...this.pods.values()].find(p => p.phase !== 'Failed' && Object.entries(selector).every(([k, v]) => (p.metadata.labels ?? {})[k] === v));
      // No pod selected (any more): no endpoint, the name resolves nowhere (`<c>-replicas` while no member is a replica).
      if (!target) this.network.removeHosts(serviceNames(svc));
      else this.network.setHosts(serviceNames(svc), target.address);
    }
    // After the others: an ExternalName resolves as its target does now.
    for (const svc of this.objects('Service').filter(s => s.spec.type === 'ExternalName')) {
      const address = externalNameCandidates(svc.spec.externalName).map(n => this.network.lookup(n)).find(a => a);
      if (address) this.network.setHosts(serviceNames(svc), address);
      else this.network.removeHosts(serviceNames(svc));
    }
  }

  /** Starts pod `ordinal` of a StatefulSet, with its claims from the volumeClaimTemplates. */
  public async startStatefulSetPod(statefulSet: string, ordinal: number): Promise<Pod> {
    const sts = this.object('StatefulSet', statefulSet);
    const name = `${statefulSet}-${ordinal}`;
    const template = sts.spec.template;
    const metadata = {
      ...template.metadata,
      name,
      namespace: sts.metadata.namespace,
      labels: { ...template.metadata.labels, 'statefulset.kubernetes.io/pod-name': name, 'apps.kubernetes.io/pod-index': String(ordinal) },
    };
    const spec = { ...template.spec, hostname: name, subdomain: sts.spec.serviceName };
    const claims: { [volume: string]: string } = {};
    for (const t of sts.spec.volumeClaimTemplates ?? []) claims[t.metadata.name] = `${t.metadata.name}-${name}`;
    return this.createPod(name, metadata, spec, claims);
  }

  public pod(name: string): Pod {
    const p = this.pods.get(name);
    if (!p) throw new Error(`no pod ${name}`);
    return p;
  }

  public async stopPod(name: string, graceSeconds = 30): Promise<void> {
    await this.pod(name).stop(graceSeconds);
  }

  /** Starts a Job's pod (or a CronJob's job template) and returns it without waiting. */
  public async startJob(kind: 'Job' | 'CronJob', name: string): Promise<Pod> {
    const obj = this.object(kind, name);
    const jobSpec = kind === 'Job' ? obj.spec : obj.spec.jobTemplate.spec;
    const jobName = kind === 'Job' ? name : `${name}-${++this.jobRuns}`;
    const podName = `${jobName}-${Math.random().toString(36).slice(2, 7)}`;
    const template = jobSpec.template;
    return this.createPod(podName, { ...template.metadata, name: podName, namespace: obj.metadata.namespace, labels: { ...template.metadata?.labels, 'job-name': jobName } }, template.spec);
  }

  /** Runs a Job (or a CronJob's job template) to completion. */
  public async runJob(kind: 'Job' | 'CronJob', name: string, timeoutSeconds = 300): Promise<JobResult> {
    let pod: Pod;
    try {
      pod = await this.startJob(kind, name);
    } catch (e) {
      return { succeeded: false, logs: String((e as Error).message), pod: '' };
    }
    const succeeded = await pod.waitCompleted(timeoutSeconds);
    return { succeeded, logs: pod.logs(), pod: pod.name };
  }

  /** Runs a command inside a running container, like `kubectl exec`. */
  public async exec(podName: string, container: string, command: string[], options: { quiet?: boolean; input?: string } = {}): Promise<ExecResult> {
    const pod = this.pod(podName);
    const c = pod.container(container);
    let pid = c.findMainPid();
    // The sandbox takes a moment to start its process.
    for (let i = 0; !pid && c.running && i < 50; i++) {
      await sleep(100);
      pid = c.findMainPid();
    }
    if (!pid || !c.running) throw new Error(`${podName}/${container} is not running`);
    const { uid, gid, groups, home } = this.identity(pod, c.spec);
    const env = { ...this.resolveEnv(pod, c.spec), HOME: home };
    const args = ['--target', String(pid), '--mount', '--uts', '--ipc', '--net', '--pid', '--root', '--wd',
      'setpriv', `--reuid=${uid}`, `--regid=${gid}`, `--groups=${groups.join(',')}`,
      '--bounding-set=-all', '--inh-caps=-all', '--no-new-privs', '--', 'env', '-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...command];
    return new Promise(resolve => {
      const child = spawn('nsenter', args, { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', d => { stdout += d; });
      child.stderr.on('data', d => { stderr += d; });
      // nsenter exits at once when the container has just stopped; its exit code says so, not a broken pipe.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input ?? '');
      child.on('exit', code => resolve({ code: code ?? -1, stdout, stderr }));
    });
  }

  /** Runs SQL in a pod's database container over the local socket; throws on error. */
  public async psql(podName: string, sql: string, database = 'postgres'): Promise<string> {
    const r = await this.exec(podName, 'database', ['psql', '-h', '/tmp/postgres', '-d', database, '-XAtq', '-v', 'ON_ERROR_STOP=1', '-f', '-'], { input: sql });
    if (r.code !== 0) throw new Error(`psql on ${podName} failed (${r.code}): ${r.stderr}`);
    return r.stdout.trim();
  }

  /** Runs pgBackRest in a pod's container with that container's configuration. */
  public async pgbackrest(podName: string, container: string, args: string[]): Promise<ExecResult> {
    return this.exec(podName, container, ['pgbackrest', ...args]);
  }

  /**
   * What PostgreSQL's archiver went through in every instance pod: failed archive_command runs, the times it gave up
   * for a while ("failed too many times"), and crash restarts. The run's summary reports them, so a slow or failing
   * archive shows even in a green run.
   */
  public archiverReport(): { pod: string; failures: number; pauses: number; crashRestarts: number; lastFailure?: string }[] {
    return [...this.pods.values()].filter(p => p.containers.some(c => c.spec.name === 'database')).map(p => {
      const lines = p.container('database').logs().split('\n');
      const failures = lines.filter(l => /archive command failed/.test(l));
      return {
        pod: p.name,
        failures: failures.length,
        pauses: lines.filter(l => /failed too many times, will try again later/.test(l)).length,
        crashRestarts: lines.filter(l => /all server processes terminated; reinitializing/.test(l)).length,
        ...(failures.length ? { lastFailure: lines[lines.indexOf(failures[failures.length - 1]) - 1]?.slice(0, 300) } : {}),
      };
    });
  }

  public async destroy(): Promise<void> {
    // Outside jest (the benchmark) there is no test to report for.
    const testPath = typeof expect === 'undefined' ? undefined : expect.getState().testPath;
    if (testPath) {
      const dir = path.join(__dirname, '..', '..', '..', 'test-reports', 'e2e-archiver');
      const report = this.archiverReport().filter(r => r.failures || r.crashRestarts);
      if (report.length) fs.mkdirSync(dir, { recursive: true });
      if (report.length) fs.appendFileSync(path.join(dir, `${path.basename(testPath)}.jsonl`), report.map(r => JSON.stringify(r)).join('\n') + '\n');
    }
    if (this.dcsPoller) clearInterval(this.dcsPoller);
    await Promise.all([...this.pods.values()].map(p => p.stop(2)));
    await this.dcs.stop();
    for (const p of this.pods.values()) this.network.removePod(p.netns);
    this.network.destroy();
    if (!process.env.KEEP_E2E) fs.rmSync(this.root, { recursive: true, force: true });
    fs.rmSync(this.memoryRoot, { recursive: true, force: true });
  }
}

/** A Service's DNS names. */
export function serviceNames(svc: any): string[] {
  const ns = svc.metadata.namespace ?? 'default';
  const n = svc.metadata.name;
  return [n, `${n}.${ns}`, `${n}.${ns}.svc`, `${n}.${ns}.svc.cluster.local`];
}

/** Whether a Service selects pods (one without a selector has Endpoints someone else writes). */
export function hasSelector(svc: any): boolean {
  return Object.keys(svc.spec?.selector ?? {}).length > 0;
}

function isHeadless(svc: any): boolean {
  return svc.spec?.clusterIp === 'None' || svc.spec?.clusterIP === 'None';
}

/**
 * The names an ExternalName may be found under in the hosts file, most specific first: itself, and, for a cluster
 * Service name (`<svc>.<ns>.svc.<domain>`), the Service's `<svc>.<ns>` form.
 */
export function externalNameCandidates(externalName: string): string[] {
  const name = externalName.replace(/\.$/, '');
  const m = /^([^.]+)\.([^.]+)\.svc(\..+)?$/.exec(name);
  return m ? [name, `${m[1]}.${m[2]}`] : [name];
}

/**
 * The curl command of an httpGet probe, run from the pod's network namespace as the kubelet probes (to the pod's
 * address unless `host` is set, TLS not verified): it prints the HTTP status. The port is a number or a container
 * port's name.
 */
export function httpGetProbeCommand(httpGet: any, container: any, address: string): string[] {
  let port = httpGet.port;
  if (typeof port === 'string' && !/^\d+$/.test(port)) {
    const named = (container.ports ?? []).find((p: any) => p.name === port);
    if (!named) throw new Error(`${container.name}: httpGet probe port ${port} is not a port of the container`);
    port = named.containerPort;
  }
  const scheme = String(httpGet.scheme ?? 'HTTP').toLowerCase();
  const p = String(httpGet.path ?? '/');
  const headers = (httpGet.httpHeaders ?? []).flatMap((h: any) => ['-H', `${h.name}: ${h.value}`]);
  return ['curl', '-sk', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '5', ...headers,
    `${scheme}://${httpGet.host ?? address}:${port}${p.startsWith('/') ? p : `/${p}`}`];
}

/** The kubelet's verdict on an HTTP status: 200-399 pass. */
export function httpGetProbePasses(status: string): boolean {
  const code = Number(status.trim());
  return code >= 200 && code < 400;
}

export interface VolumeFile {
  path: string;
  content: string;
  mode: number;
}

/** What a projected service account token holds here. */
export const SERVICE_ACCOUNT_TOKEN_PLACEHOLDER = 'the e2e harness has no API server: no service account token\n';
/** What the `kube-root-ca.crt` ConfigMap every namespace has holds here. */
export const KUBE_ROOT_CA_PLACEHOLDER = '# the e2e harness has no API server: no cluster CA\n';

/**
 * A ConfigMap's files for a volume or projected source (its items, or every key), with the harness's one change: a file
 * at `30-dcs.yaml` names the cluster's etcd (dcs.ts). `kube-root-ca.crt`, which every namespace has, is a placeholder.
 */
export function configMapItems(cm: any, ref: any, defaultMode: number, etcd: { gateway: string; port: number }): VolumeFile[] {
  if (!cm && ref.name === 'kube-root-ca.crt') cm = { data: { 'ca.crt': KUBE_ROOT_CA_PLACEHOLDER } };
  if (!cm) {
    if (ref.optional) return [];
    throw new Error(`ConfigMap ${ref.name} not found`);
  }
  const items = ref.items ?? Object.keys(cm.data ?? {}).map((k: string) => ({ key: k, path: k }));
  return items.map((i: any) => {
    if (cm.data?.[i.key] === undefined) throw new Error(`ConfigMap ${ref.name} has no key ${i.key}`);
    return substituteDcsFile({ path: i.path, content: cm.data[i.key], mode: i.mode ?? defaultMode }, etcd.gateway, etcd.port);
  });
}

/** What the end-to-end suites need on this machine; test/setup/ensure-tools.sh installs and builds all of it. */
export const E2E_PREREQUISITES: Prerequisite[] = [
  { name: 'root (network namespaces, sandboxes)', present: () => process.getuid?.() === 0 },
  ...['bwrap', 'ip', 'setpriv', 'nsenter', 'openssl'].map(tool => ({
    name: tool,
    present: () => {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
      return true;
    },
  })),
  { name: `IvorySQL 5.4 at ${IVORYSQL_PREFIX} (test/setup/build-engine.sh)`, present: () => fs.existsSync(`${IVORYSQL_PREFIX}/bin/postgres`) },
  {
    name: 'pgBackRest 2.58.0 at /usr/bin/pgbackrest (test/setup/build-engine.sh)',
    present: () => execFileSync('/usr/bin/pgbackrest', ['version'], { encoding: 'utf8' }).trim() === 'pgBackRest 2.58.0',
  },
  { name: 'nss_wrapper (Debian libnss-wrapper, as in the IvorySQL image)', present: () => execFileSync('sh', ['-c', 'ldconfig -p | grep -c libnss_wrapper.so'], { encoding: 'utf8' }).trim() !== '0' },
  { name: 'the en_US.UTF-8 locale (the image\'s LC_ALL)', present: () => /en_US\.utf8/i.test(execFileSync('locale', ['-a'], { encoding: 'utf8' })) },
  // Every instance pod runs the exporter (monitoring.exporter defaults to true).
  { name: 'postgres_exporter at /usr/bin/prometheus-postgres-exporter (Debian prometheus-postgres-exporter)', present: () => fs.existsSync('/usr/bin/prometheus-postgres-exporter') },
];

/**
 * `describe` for an end-to-end suite: skipped with one line locally, a failure under CI, when something is missing
 * (E2E_PREREQUISITES and the suite's own).
 */
export function describeE2E(suite: string, more: Prerequisite[] = []): jest.Describe {
  return describeWith(suite, [...E2E_PREREQUISITES, ...more]);
}

/** What suites that run Patroni need besides E2E_PREREQUISITES (test/setup/ensure-tools.sh installs them). */
export const PATRONI_PREREQUISITES: Prerequisite[] = [
  {
    name: 'Patroni 4.0.7 at /usr/local/bin/patroni (test/setup/ensure-tools.sh)',
    present: () => /\b4\.0\.7$/.test(execFileSync('/usr/local/bin/patroni', ['--version'], { encoding: 'utf8' }).trim()),
  },
  { name: 'etcd at /usr/bin/etcd (Debian etcd-server)', present: () => fs.existsSync('/usr/bin/etcd') },
  {
    name: 'curl (httpGet probes)',
    present: () => {
      execFileSync('sh', ['-c', 'command -v curl'], { stdio: 'ignore' });
      return true;
    },
  },
];
