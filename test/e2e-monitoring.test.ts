/**
 * End-to-end, backup health: the exporter as the standalone manifests run it, against the real engine, scraped by a
 * real Prometheus (Debian's) with labels set as a PodMonitor sets them, and loaded with the cluster's alert rules. A
 * backup moves the backup metrics; the repo host going down makes the archive-failing alert fire, and it clears when
 * the repo host is back.
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { Size } from 'cdk8s';
import { stringify } from 'yaml';
import { BackupRepo, BackupSchedule, IvoryCluster } from '../src';
import { describeE2E, LocalCluster } from './e2e/harness/cluster';
import { boot, e2eProps, info, NAMESPACE, newChart, synthChart, Testing, until, write } from './e2e/scenario';

const PROMETHEUS = '/usr/bin/prometheus';
const PROMTOOL = '/usr/bin/promtool';
const run = describeE2E(__filename, [
  { name: `Prometheus at ${PROMETHEUS} and promtool (Debian prometheus)`, present: () => fs.existsSync(PROMETHEUS) && fs.existsSync(PROMTOOL) },
]);
jest.setTimeout(600_000);

const CLUSTER = 'hippo';
/**
 * The series the rules of both targets are written against: pgMonitor's names (IVYO's exporter has them too) and the
 * standalone target's two of its own. Written out here, not taken from the queries, so a renamed query fails this suite.
 */
const EXPECTED_SERIES = [
  'ccp_backrest_last_full_backup_time_since_completion_seconds',
  'ccp_backrest_last_diff_backup_time_since_completion_seconds',
  'ccp_backrest_last_incr_backup_time_since_completion_seconds',
  'ccp_backrest_last_info_backup_runtime_seconds',
  'ccp_backrest_last_info_repo_backup_size_bytes',
  'ccp_backrest_last_info_repo_total_size_bytes',
  'ccp_backrest_last_info_backup_error',
  'ccp_backrest_oldest_full_backup_time_seconds',
  'ivory_backrest_repo_status_code',
  'ccp_archive_command_status_seconds_since_last_fail',
  'ccp_archive_command_status_seconds_since_last_archive',
  'ccp_archive_command_status_archived_count',
  'ccp_archive_command_status_failed_count',
  'ivory_archive_ready_segments',
  'ccp_is_in_recovery_status',
];
/** Seconds between scrapes and between rule evaluations. */
const INTERVAL = 2;

/**
 * This suite's alert rules while the library renders none: one backup-late alert and one archive-failing alert on
 * the exporter's metric names, aggregated as the rendered rules will be (by namespace, cluster and repo).
 */
function fallbackGroups(): any[] {
  const sel = `namespace="${NAMESPACE}", pg_cluster="${CLUSTER}"`;
  return [{
    name: `${CLUSTER}-backups-e2e`,
    interval: `${INTERVAL}s`,
    rules: [
      {
        alert: 'IvoryBackupLate',
        // A daily full, an hour late.
        expr: `min by (namespace, pg_cluster, repo) (ccp_backrest_last_full_backup_time_since_completion_seconds{${sel}}) > ${25 * 3600}`,
        labels: { severity: 'warning', type: 'full' },
        annotations: { summary: `the last full backup of ${CLUSTER} repo{{ $labels.repo }} is more than 25 h old` },
      },
      {
        alert: 'IvoryWalArchiveFailing',
        // Greater than 0 while the archiver's latest attempt is a failure (pgMonitor's meaning of the series).
        expr: `max by (namespace, pg_cluster) (ccp_archive_command_status_seconds_since_last_fail{${sel}}) > 0`,
        for: `${2 * INTERVAL}s`,
        labels: { severity: 'critical' },
        annotations: { summary: `WAL archiving of ${CLUSTER} is failing` },
      },
    ],
  }];
}

/** The rule groups Prometheus gets: the PrometheusRule's in the manifests if the library renders one, else this suite's. */
function rulesFor(manifests: any[]): { groups: any[]; source: string } {
  const rules = manifests.filter(m => m.kind === 'PrometheusRule');
  if (rules.length) return { groups: rules.flatMap(r => r.spec.groups), source: rules.map(r => `PrometheusRule/${r.metadata.name}`).join(', ') };
  return { groups: fallbackGroups(), source: 'the suite\'s fallback rules' };
}

/**
 * The alerting rule whose expression reads `metric` (names differ between rule sets; the metrics do not): its name,
 * and its `for` in seconds (a Prometheus duration such as 5m or 1h30s).
 */
function alertOn(groups: any[], metric: string): { name: string; forSeconds: number } {
  const rule = groups.flatMap(g => g.rules).find((r: any) => r.alert && String(r.expr).includes(metric) && !/absent\(/.test(String(r.expr)));
  if (!rule) throw new Error(`no alert rule reads ${metric}`);
  const units: { [u: string]: number } = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
  const forSeconds = [...String(rule.for ?? '0s').matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)].reduce((sum, [, n, u]) => sum + Number(n) * units[u], 0);
  return { name: rule.alert, forSeconds };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** A Prometheus server of its own: config, rules and storage in a temporary directory, listening on 127.0.0.1. */
class Prometheus {
  public static async start(targets: { address: string; labels: { [k: string]: string } }[], groups: any[]): Promise<Prometheus> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ivory-prometheus-'));
    const rules = path.join(dir, 'rules.yml');
    fs.writeFileSync(rules, stringify({ groups }));
    const config = path.join(dir, 'prometheus.yml');
    fs.writeFileSync(config, stringify({
      global: { scrape_interval: `${INTERVAL}s`, scrape_timeout: `${INTERVAL}s`, evaluation_interval: `${INTERVAL}s` },
      rule_files: [rules],
      scrape_configs: [{
        job_name: 'ivorysql-exporter',
        // As a PodMonitor's relabelings would: the pod's namespace and the cluster label.
        static_configs: targets.map(t => ({ targets: [t.address], labels: t.labels })),
      }],
    }));
    // promtool checks the config and the rule files it names; a rule promtool refuses would never load.
    execFileSync(PROMTOOL, ['check', 'config', config], { stdio: 'pipe' });
    const port = await freePort();
    const log = fs.openSync(path.join(dir, 'prometheus.log'), 'a');
    const child = spawn(PROMETHEUS, [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    const p = new Prometheus(dir, port, child);
    await until('Prometheus to be ready', 30, async () => (await fetch(`${p.url}/-/ready`)).ok);
    return p;
  }

  public readonly url: string;
  private constructor(public readonly dir: string, port: number, private readonly child: ChildProcess) {
    this.url = `http://127.0.0.1:${port}`;
  }

  public async api(endpoint: string, params: { [k: string]: string } = {}): Promise<any> {
    const r = await fetch(`${this.url}/api/v1/${endpoint}?${new URLSearchParams(params)}`);
    const body: any = await r.json();
    if (body.status !== 'success') throw new Error(`${endpoint}: ${JSON.stringify(body)}`);
    return body.data;
  }

  /** An instant query: each series' labels, the sample time and value. */
  public async query(expr: string): Promise<{ labels: { [k: string]: string }; time: number; value: number }[]> {
    const data = await this.api('query', { query: expr });
    return data.result.map((r: any) => ({ labels: r.metric, time: r.value[0], value: Number(r.value[1]) }));
  }

  /** The samples of one series over a range (`expr` is a range selector). */
  public async samples(expr: string): Promise<[number, number][]> {
    const data = await this.api('query', { query: expr });
    if (data.result.length !== 1) throw new Error(`${expr}: ${data.result.length} series`);
    return data.result[0].values.map(([t, v]: [number, string]) => [t, Number(v)]);
  }

  public async alerts(name: string): Promise<any[]> {
    return (await this.api('alerts')).alerts.filter((a: any) => a.labels.alertname === name);
  }

  public log(): string {
    const file = path.join(this.dir, 'prometheus.log');
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  }

  public async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise(resolve => this.child.on('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

run('e2e: backup metrics from the exporter, scraped and alerted on by Prometheus', () => {
  let k: LocalCluster;
  let prom: Prometheus;
  let manifests: any[];
  let primary: string;
  const replica = `${CLUSTER}-instance1-1`;
  let groups: any[];
  const timings: { [phase: string]: number } = {};
  const started = Date.now();
  const mark = (phase: string, since: number) => { timings[phase] = Math.round((Date.now() - since) / 100) / 10; };

  beforeAll(async () => {
    const t = Date.now();
    const chart = newChart(Testing.app());
    const cluster = new IvoryCluster(chart, CLUSTER, e2eProps({
      instances: [{ replicas: 2 }],
      repos: [BackupRepo.volume({ size: Size.gibibytes(1), schedule: BackupSchedule.dailyFull() })],
      manualBackup: { repoName: 'repo1', backupId: 'e2e' },
      // pgBackRest gives up on a repo host that is down after io-timeout, several times over, before archive-push
      // fails: at its default 60 s, minutes (README, Reliability); 10 s, as the README suggests, keeps this short.
      pgbackrestOptions: { 'io-timeout': '10' },
    }));
    manifests = synthChart(chart);
    k = new LocalCluster(manifests);
    primary = await boot(k, cluster);
    mark('boot (repo host, primary, stanza-create and its full backup)', t);
    const t1 = Date.now();
    await (await k.startStatefulSetPod(`${CLUSTER}-instance1`, 1)).waitReady(300);
    mark('replica from the repo', t1);
    const rules = rulesFor(manifests);
    groups = rules.groups;
    process.stdout.write(`e2e-monitoring: alert rules from ${rules.source}\n`);
    const t2 = Date.now();
    prom = await Prometheus.start([primary, replica].map(pod => ({
      address: `${k.pod(pod).address}:9187`, labels: { namespace: NAMESPACE, pg_cluster: CLUSTER, pod },
    })), groups);
    mark('Prometheus ready', t2);
  });

  afterAll(async () => {
    timings.total = Math.round((Date.now() - started) / 100) / 10;
    const dir = path.join(__dirname, '..', 'test-reports');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'e2e-monitoring-timings.json'), JSON.stringify(timings, null, 2) + '\n');
    await prom?.stop();
    await k?.destroy();
  });

  /** What the archiver did, for a failure's message. */
  async function archiverState(): Promise<string> {
    const archiver = await k.psql(primary, 'select row(pg_stat_archiver.*)::text from pg_stat_archiver').catch(e => String(e));
    return `pg_stat_archiver: ${archiver}\n--- ${primary} database log (tail)\n${k.pod(primary).container('database').logs().slice(-3000)}`;
  }

  /** The primary's newest full backup as pgBackRest reports it: when it completed and its size in the repo. */
  async function newestFull(): Promise<{ label: string; stop: number; size: number }> {
    const fulls = (await info(k, primary)).raw.backup.filter((b: any) => b.type === 'full');
    const b = fulls[fulls.length - 1];
    return { label: b.label, stop: b.timestamp.stop, size: b.info.repository.delta };
  }

  /** What Prometheus has from `pod` for the full backup of repo 1: when it completed (sample time - age), its size. */
  async function scrapedFull(pod: string): Promise<{ completed: number; size: number; age: number } | undefined> {
    const sel = `{namespace="${NAMESPACE}", pg_cluster="${CLUSTER}", pod="${pod}", repo="1"}`;
    const [age] = await prom.query(`ccp_backrest_last_full_backup_time_since_completion_seconds${sel}`);
    const [size] = await prom.query(`ccp_backrest_last_info_repo_backup_size_bytes${sel.replace('}', ', backup_type="full"}')}`);
    if (!age || !size) return undefined;
    return { completed: age.time - age.value, size: size.value, age: age.value };
  }

  test('every metric of the queries is scraped from both instances, with the stanza, the repo number and the PodMonitor\'s labels', async () => {
    const t = Date.now();
    const expected = EXPECTED_SERIES;
    const found = await until('every exporter metric of both pods in Prometheus', 90, async () => {
      const series = await prom.query('{__name__=~"ccp_.+|ivory_.+"}');
      const names = (pod: string) => new Set(series.filter(s => s.labels.pod === pod).map(s => s.labels.__name__));
      return [primary, replica].every(pod => expected.every(n => names(pod).has(n))) ? series : undefined;
    }).catch(async e => {
      const targets = await prom.api('targets').catch(() => undefined);
      throw new Error(`${(e as Error).message}\ntargets: ${JSON.stringify(targets?.activeTargets)}\n`
        + [primary, replica].map(p => `--- ${p}/exporter\n${k.pod(p).container('exporter').logs().slice(-2000)}`).join('\n'));
    });
    mark('metrics of both pods in Prometheus', t);
    for (const s of found) expect(s.labels).toMatchObject({ namespace: NAMESPACE, pg_cluster: CLUSTER, job: 'ivorysql-exporter' });
    const backrest = found.filter(s => s.labels.__name__.startsWith('ccp_backrest_') || s.labels.__name__ === 'ivory_backrest_repo_status_code');
    expect(backrest.length).toBe(2 * 9);
    for (const s of backrest) expect(s.labels).toMatchObject({ stanza: 'db', repo: '1' });
    const values = (name: string, pod = primary) => found.filter(s => s.labels.__name__ === name && s.labels.pod === pod);
    // The stanza-create Job took one full backup: the newest of every type is that full.
    expect(values('ccp_backrest_last_info_backup_runtime_seconds').map(s => s.labels.backup_type)).toEqual(['full']);
    expect(values('ivory_backrest_repo_status_code').map(s => s.value)).toEqual([0]);
    expect(values('ccp_is_in_recovery_status').map(s => s.value)).toEqual([2]);
    expect(values('ccp_is_in_recovery_status', replica).map(s => s.value)).toEqual([1]);
    expect(values('ccp_archive_command_status_seconds_since_last_fail').map(s => s.value)).toEqual([0]);
    expect(values('ivory_archive_ready_segments').map(s => s.value)).toEqual([0]);
    const full = await newestFull();
    // The replica, which never runs pgBackRest for the exporter, reads the primary's answer as replicated.
    for (const pod of [primary, replica]) {
      const scraped = await scrapedFull(pod);
      expect(Math.abs(scraped!.completed - full.stop)).toBeLessThanOrEqual(2);
      expect(scraped!.size).toBe(full.size);
      expect(values('ccp_backrest_oldest_full_backup_time_seconds', pod).map(s => s.value)).toEqual([full.stop]);
      // pgMonitor's diff and incr count a full: all three are the same age.
      for (const type of ['diff', 'incr']) {
        const [s] = values(`ccp_backrest_last_${type}_backup_time_since_completion_seconds`, pod);
        expect(Math.abs(s.time - s.value - full.stop)).toBeLessThanOrEqual(2);
      }
    }
    // The rules loaded and evaluate without error on these series; nothing fires while the backups are fresh.
    const rules = (await prom.api('rules')).groups.flatMap((g: any) => g.rules);
    expect(rules.length).toBe(groups.flatMap(g => g.rules).length);
    for (const r of rules) expect({ rule: r.name, health: r.health, lastError: r.lastError ?? '' }).toEqual({ rule: r.name, health: 'ok', lastError: '' });
    // An absent() rule evaluated before the first scrape is pending (its `for:` is there for that); it clears at the
    // next evaluation once the series exist. Nothing may fire, and nothing may stay pending.
    expect((await prom.api('alerts')).alerts.filter((a: any) => a.state === 'firing')).toEqual([]);
    await until('every alert to be inactive while the backups are fresh', 60, async () => (await prom.api('alerts')).alerts.length === 0);
  });

  test('a backup moves the full backup\'s age down and its size up, within the minute the exporter caches pgBackRest\'s info', async () => {
    const before = await newestFull();
    const scrapedBefore = await scrapedFull(primary);
    // More data, so the new full is bigger than the first.
    await write(k, primary, 'more', 100_000);
    const t = Date.now();
    const job = await k.runJob('Job', `${CLUSTER}-backup-e2e`);
    if (!job.succeeded) throw new Error(`the backup failed:\n${job.logs}`);
    mark('manual backup Job', t);
    const after = await newestFull();
    expect(after.label).not.toBe(before.label);
    expect(after.size).toBeGreaterThan(before.size);
    const t2 = Date.now();
    for (const pod of [primary, replica]) {
      const scraped = await until(`Prometheus to see the new backup from ${pod}`, 90, async () => {
        const s = await scrapedFull(pod);
        return s && Math.abs(s.completed - after.stop) <= 2 ? s : undefined;
      });
      expect(scraped.completed - scrapedBefore!.completed).toBeGreaterThanOrEqual(after.stop - before.stop - 2);
      expect(scraped.size).toBe(after.size);
      // As stored: between two scrapes the age stepped down by the time between the two backups (less the scrape
      // interval), and the size went up from the first full's to the new one's.
      const sel = `{pod="${pod}", repo="1"}`;
      const ages = await prom.samples(`ccp_backrest_last_full_backup_time_since_completion_seconds${sel}[5m]`);
      const drops = ages.slice(1).map(([, v], i) => ages[i][1] - v);
      expect(Math.max(...drops)).toBeGreaterThanOrEqual(after.stop - before.stop - INTERVAL - 2);
      const sizes = (await prom.samples(`ccp_backrest_last_info_repo_backup_size_bytes{pod="${pod}", repo="1", backup_type="full"}[5m]`)).map(([, v]) => v);
      expect([sizes[0], sizes[sizes.length - 1]]).toEqual([before.size, after.size]);
    }
    mark('backup seen in Prometheus (both pods) after the Job', t2);
  });

  test('the repo host down: the archive-failing alert fires once WAL is switched, and clears when the repo host is back', async () => {
    const { name: alert, forSeconds } = alertOn(groups, 'ccp_archive_command_status_seconds_since_last_fail');
    expect(await prom.alerts(alert)).toEqual([]);
    const onPrimary = `{pod="${primary}"}`;
    const t = Date.now();
    await k.stopPod(`${CLUSTER}-repo-host-0`);
    await write(k, primary, 'outage', 1000);
    await k.psql(primary, 'select pg_switch_wal()');
    // The rule's own `for` (the rendered rule's is minutes), plus what pgBackRest takes to give up on the repo host.
    const firing = await until(`${alert} to fire`, forSeconds + 180, async () => {
      const a = await prom.alerts(alert);
      return a.some(x => x.state === 'firing') ? a : undefined;
    }).catch(async e => { throw new Error(`${(e as Error).message}\n${await archiverState()}`); });
    mark('repo host stopped until the archive alert fires', t);
    expect(firing.map(a => a.labels)).toEqual([expect.objectContaining({ namespace: NAMESPACE, pg_cluster: CLUSTER })]);
    const [ready] = await prom.query(`ivory_archive_ready_segments${onPrimary}`);
    expect(ready.value).toBeGreaterThanOrEqual(1);
    expect(Number(await k.psql(primary, 'select failed_count from pg_stat_archiver'))).toBeGreaterThan(0);

    const t2 = Date.now();
    await (await k.startStatefulSetPod(`${CLUSTER}-repo-host`, 0)).waitReady(60);
    // PostgreSQL's archiver waits a minute after three failures in a row before it tries again.
    await until(`${alert} to clear`, 150, async () => (await prom.alerts(alert)).length === 0)
      .catch(async e => { throw new Error(`${(e as Error).message}\n${await archiverState()}`); });
    mark('repo host back until the archive alert clears', t2);
    expect((await prom.query(`ccp_archive_command_status_seconds_since_last_fail${onPrimary}`))[0].value).toBe(0);
    await until('the ready segments archived', 30, async () => (await prom.query(`ivory_archive_ready_segments${onPrimary}`))[0]?.value === 0);
    expect(await k.psql(primary, 'select last_archived_time > last_failed_time from pg_stat_archiver')).toBe('t');
  });

  test('a primary restarted with another set-up recorded (a library upgrade, the exporter turned on later) sets up again; with this one\'s, not', async () => {
    const t = Date.now();
    const setUp = 'setting up the exporter\'s role and pgBackRest info function';
    const metrics = async (pod: string) => (await fetch(`http://${k.pod(pod).address}:9187/metrics`)).text();
    await k.psql(primary, 'drop function ivory_monitor.pgbackrest_info()');
    await k.stopPod(primary);
    fs.writeFileSync(path.join(k.claimDir(`ivory-data-${primary}`), '.ivory-monitoring-setup'), 'an older set-up\n');
    await (await k.startStatefulSetPod(`${CLUSTER}-instance1`, 0)).waitReady(120);
    expect(k.pod(primary).container('bootstrap').logs()).toContain(setUp);
    await until('the restarted primary\'s exporter to serve the backup metrics', 60, async () =>
      /^ccp_backrest_last_full_backup_time_since_completion_seconds\{/m.test(await metrics(primary)));
    await k.stopPod(primary);
    await (await k.startStatefulSetPod(`${CLUSTER}-instance1`, 0)).waitReady(120);
    expect(k.pod(primary).container('bootstrap').logs()).not.toContain(setUp);
    await until('the exporter to serve the backup metrics again', 60, async () =>
      /^ccp_backrest_last_full_backup_time_since_completion_seconds\{/m.test(await metrics(primary)));
    mark('primary restarted twice (set-up again, then not)', t);
  });
});
