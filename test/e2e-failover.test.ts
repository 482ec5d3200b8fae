/**
 * End-to-end, standalone high availability: three members run by Patroni 4.0.7 (the manifests as rendered; its DCS
 * is etcd, README "Tests"), on IvorySQL 5.4 and pgBackRest 2.58, while a writer commits one row at a time to whoever
 * leads. Each scenario breaks the primary the way a node, a process or a rollout does and measures how long until a
 * replica leads and takes writes, how many acknowledged rows are missing there, and how the old primary came back.
 * The figures go to test-reports/e2e-failover.json and the README's failover table.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { Duration, Size } from 'cdk8s';
import { BackupRepo, BackupSchedule, IvoryCluster, IvoryClusterProps, RecoveryTarget, Restore, SwitchoverProps, UserPassword } from '../src';
import { describeE2E, IVORYSQL_PREFIX, LocalCluster, PATRONI_PREREQUISITES } from './e2e/harness/cluster';
import {
  App, bootClone, content, e2eProps, info, newChart, rowsAroundTarget, runScheduledBackup, sleep, stanzaJob, synthChart, Testing, until,
} from './e2e/scenario';

const run = describeE2E(__filename, PATRONI_PREREQUISITES);
const execFileAsync = promisify(execFile);
const WRITER_PASSWORD = 'failover-writer-7Qx';
jest.setTimeout(1_200_000);

const CLUSTER = 'hippo';
const SCOPE = `${CLUSTER}-ha`;
const PODS = [0, 1, 2].map(i => `${CLUSTER}-instance1-${i}`);
/** Test timings: Patroni's minimum lease, so a dead primary is replaced within about 20 s. */
const TTL = 20;
const LOOP = 5;

interface Measured {
  scenario: string;
  synchronous: boolean;
  secondsToNewPrimary: number;
  acknowledged: number;
  rowsLost: number;
  oldPrimary: string;
}
const results: Measured[] = [];

/** What the suite is doing, as it does it: test-reports/e2e-failover-steps.log, to read a hang or a failure on CI. */
const STEPS = path.join(__dirname, '..', 'test-reports', 'e2e-failover-steps.log');
function step(message: string): void {
  fs.mkdirSync(path.dirname(STEPS), { recursive: true });
  fs.appendFileSync(STEPS, `${new Date().toISOString()} ${message}\n`);
}

/**
 * Commits one row at a time into `w` (id from the writer, so a lost row is known by its id) to whichever pod leads
 * now; remembers every id whose commit returned. A failed commit is retried on the next leader with a new id.
 */
/** Ids go on from one writer to the next: every row of `w` is one commit of the suite. */
let nextId = 1;

/**
 * An application's commits, as its pods would make them: over the network to the primary Service's name, as cluster
 * DNS resolves it now (an ExternalName of the leader's Service, which Patroni points at the leader), with TLS
 * verified against that name and the user's password. One row per commit; a commit whose call returned is
 * acknowledged, and a lost row is known by its id. A failed commit is retried with a new id.
 */
class Writer {
  public readonly acked: number[] = [];
  /** When the last commit returned, in ms since the epoch, and the address it went to. */
  public lastAck = 0;
  public lastAddress = '';
  private running = true;
  private done?: Promise<void>;

  constructor(private readonly k: LocalCluster, private readonly caFile: string) {}

  public start(): void {
    this.done = (async () => {
      while (this.running) {
        const id = nextId++;
        const address = this.k.network.lookup(`${CLUSTER}-primary`);
        try {
          if (!address) throw new Error('the primary Service resolves nowhere');
          await execFileAsync(`${IVORYSQL_PREFIX}/bin/psql`, ['-XAtq', '-v', 'ON_ERROR_STOP=1', '-c', `insert into w (id) values (${id})`], {
            timeout: 15_000,
            env: {
              PGHOST: `${CLUSTER}-primary`,
              PGHOSTADDR: address,
              PGPORT: '5432',
              PGUSER: 'writer',
              PGDATABASE: 'app',
              PGPASSWORD: WRITER_PASSWORD,
              PGSSLMODE: 'verify-full',
              PGSSLROOTCERT: this.caFile,
              PGCONNECT_TIMEOUT: '3',
            },
          });
          this.acked.push(id);
          this.lastAck = Date.now();
          this.lastAddress = address;
        } catch {
          await sleep(200);
        }
      }
    })();
  }

  /** Waits for a commit that returned after `since` from a server other than at `except`; returns when it did. */
  public async ackAfter(since: number, timeoutSeconds: number, except?: string): Promise<number> {
    return until(`a commit after ${new Date(since).toISOString()}`, timeoutSeconds,
      async () => this.lastAck > since && this.lastAddress !== except && this.lastAck);
  }

  public async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}

run('e2e: standalone high availability with Patroni', () => {
  let app: App;
  let k: LocalCluster;
  let cluster: IvoryCluster;
  let caFile: string;
  const props = (synchronous: boolean, pauseFailover?: boolean, switchover?: SwitchoverProps): IvoryClusterProps => e2eProps({
    instances: [{ replicas: 3 }],
    repos: [BackupRepo.volume({ size: Size.gibibytes(1), schedule: BackupSchedule.dailyFull() })],
    users: [{ name: 'writer', databases: ['app'], password: UserPassword.fromSecret('writer-password') }],
    highAvailability: {
      synchronousReplication: synchronous,
      pauseFailover,
      leaderLease: Duration.seconds(TTL),
      loopWait: Duration.seconds(LOOP),
      retryTimeout: Duration.seconds(5),
      switchover,
    },
  });
  /** The next `cdk8s synth`, applied as a GitOps tool would. */
  const redeploy = (synchronous: boolean, pauseFailover?: boolean, switchover?: SwitchoverProps) => {
    app = Testing.app();
    const chart = newChart(app);
    cluster = new IvoryCluster(chart, CLUSTER, props(synchronous, pauseFailover, switchover));
    const manifests = synthChart(chart);
    k.apply(manifests);
    return manifests;
  };

  const leader = async () => until('a leader', 120, () => k.dcs.leader(SCOPE));

  /** The replicas streaming from `primary`, by Patroni's member name (its application_name). */
  const streaming = async (primary: string) => (await k.psql(primary,
    "select coalesce(string_agg(application_name, ',' order by application_name), '') from pg_stat_replication where state = 'streaming'"))
    .split(',').filter(Boolean);

  /** Waits until every other member streams from the leader: Patroni's own view can say running while it cannot. */
  const allStreaming = async (timeoutSeconds = 300) => {
    const lead = await leader();
    await until('every replica streaming from the leader', timeoutSeconds, async () => {
      const names = await streaming(lead);
      return PODS.filter(p => p !== lead && k.pods.get(p)?.phase === 'Running').every(p => names.includes(p)) && names;
    });
    return lead;
  };

  /** Ids in `w` on the pod that leads now. */
  const stored = async () => new Set((await k.psql(await leader(), 'select id from w order by id', 'app')).split('\n').filter(Boolean).map(Number));

  /** Runs a scenario against the current leader with the writer going, and records what happened. */
  async function failover(scenario: string, synchronous: boolean, breakIt: (old: string) => Promise<void>,
    bringBack: (old: string) => Promise<void>): Promise<{ old: string; next: string; measured: Measured }> {
    const old = await allStreaming();
    const oldAddress = k.pod(old).address;
    const writer = new Writer(k, caFile);
    writer.start();
    let broken = 0;
    let next = '';
    let writable = 0;
    let rows = new Set<number>();
    try {
      step(`${scenario}: leader ${old}, writer started`);
      await writer.ackAfter(Date.now(), 60);
      await sleep(3000);
      broken = Date.now();
      await breakIt(old);
      step(`${scenario}: ${old} broken`);
      next = await until('another leader', 180, async () => {
        const l = await k.dcs.leader(SCOPE);
        return l && l !== old ? l : undefined;
      });
      step(`${scenario}: ${next} leads`);
      writable = await writer.ackAfter(broken, 180, oldAddress);
      step(`${scenario}: a commit on ${writer.lastAddress} after ${(writable - broken) / 1000} s`);
      await sleep(3000);
      await writer.stop();
      rows = await stored();
    } finally {
      await writer.stop();
      // Whatever failed, the old primary comes back, so the next scenario starts from three members.
      if (broken) {
        step(`${scenario}: bringing ${old} back`);
        await bringBack(old);
      }
    }
    const lost = writer.acked.filter(id => !rows.has(id));
    step(`${scenario}: ${lost.length} of ${writer.acked.length} acknowledged rows missing on ${next}`);
    const measured: Measured = {
      scenario,
      synchronous,
      secondsToNewPrimary: Math.round((writable - broken) / 100) / 10,
      acknowledged: writer.acked.length,
      rowsLost: lost.length,
      oldPrimary: '',
    };
    return { old, next, measured };
  }

  /** How the old primary came back, from its Patroni log since `from` characters. */
  function howItCameBack(pod: string, from: number): string {
    const log = k.pod(pod).container('database').logs().slice(from);
    if (/pg_rewind exit code=0|running pg_rewind/.test(log)) return 'rejoined as a replica by pg_rewind';
    if (/replica has been created using pgbackrest/.test(log)) return 'recreated from the repo by a pgBackRest delta restore';
    if (/replica has been created using basebackup/.test(log)) return 'recreated by a base backup from the leader';
    return 'rejoined as a replica (no rewind needed)';
  }
  /**
   * A node that stops responding: its processes stop where they stand and its network goes (with the processes alone
   * stopped, the kernel would still deliver what they had written to their sockets).
   */
  const die = (pod: string) => {
    k.pod(pod).freeze();
    k.cutNetwork(pod);
  };
  const revive = (pod: string) => {
    k.restoreNetwork(pod);
    k.pod(pod).thaw();
  };
  const logLength = (pod: string) => k.pod(pod).container('database').logs().length;

  beforeEach(() => step(`test: ${expect.getState().currentTestName}`));

  beforeAll(async () => {
    fs.rmSync(STEPS, { force: true });
    app = Testing.app();
    const chart = newChart(app);
    cluster = new IvoryCluster(chart, CLUSTER, props(true));
    k = new LocalCluster(synthChart(chart), { secrets: { 'writer-password': { password: WRITER_PASSWORD } } });
    caFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'failover-ca-')), 'ca.crt');
    fs.writeFileSync(caFile, k.secret(`${CLUSTER}-postgres-tls`)!['ca.crt']);
    await (await k.startStatefulSetPod(`${CLUSTER}-repo-host`, 0)).waitReady(60);
    const stanza = await k.startJob('Job', stanzaJob(k, CLUSTER));
    await (await k.startStatefulSetPod(`${CLUSTER}-instance1`, 0)).waitReady(300);
    if (!(await stanza.waitCompleted(300))) throw new Error(`stanza-create failed:\n${stanza.logs()}`);
    // The writer's table, in its own database, once the users container has made both.
    await until('the writer\'s database', 120, async () => (await k.psql(PODS[0], "select count(*) from pg_database where datname = 'app'")) === '1');
    await k.psql(PODS[0], 'create table w (id bigint primary key, at timestamptz not null default clock_timestamp()); grant insert, select on w to writer', 'app');
    for (const i of [1, 2]) await (await k.startStatefulSetPod(`${CLUSTER}-instance1`, i)).waitReady(300);
    await allStreaming();
  });

  afterAll(async () => {
    if (results.length) {
      const dir = path.join(__dirname, '..', 'test-reports');
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'e2e-failover.json'), JSON.stringify(results, undefined, 2) + '\n');
      process.stdout.write('e2e-failover:\n' + results.map(r => `  ${r.scenario}: new primary writable after ${r.secondsToNewPrimary} s, `
        + `${r.rowsLost} of ${r.acknowledged} acknowledged rows lost (synchronous ${r.synchronous}); old primary ${r.oldPrimary}`).join('\n') + '\n');
    }
    await k?.destroy();
  });

  test('Patroni bootstrapped the cluster with the repo check, created the replicas from the repo, and the Services follow it', async () => {
    const lead = await leader();
    expect(lead).toBe(PODS[0]);
    const log = k.pod(PODS[0]).container('database').logs();
    expect(log).toMatch(/Running custom bootstrap script: bash -eu \/etc\/patroni\/bootstrap.sh/);
    expect(log).toMatch(/initialized a new cluster/);
    for (const replica of [PODS[1], PODS[2]]) {
      expect(k.pod(replica).container('database').logs()).toMatch(/replica has been created using pgbackrest/);
    }
    // The primary Service (an ExternalName of the leader's) resolves to the leader; the replicas' to a replica.
    expect(k.network.lookup(`${CLUSTER}-primary`)).toBe(k.pod(lead).address);
    expect([k.pod(PODS[1]).address, k.pod(PODS[2]).address]).toContain(k.network.lookup(`${CLUSTER}-replicas`));
    // Synchronous replication is on: Patroni makes one replica synchronous within a loop or two.
    await until('a synchronous replica', 30, async () => (await k.psql(lead, "select count(*) from pg_stat_replication where sync_state = 'sync'")) === '1');
    // Oracle mode survived Patroni's postgresql.conf (IvorySQL's ivorysql.conf include and the preloads).
    expect(await k.psql(lead, "set ivorysql.compatible_mode = oracle; select 'dual:' || dummy from dual")).toBe('dual:X');
  });

  test('the primary\'s node dies (its processes stop, its network goes), synchronous: a replica leads within the lease, no acknowledged row lost; thawed, the old primary rejoins', async () => {
    let mark = 0;
    const { old, next, measured } = await failover('primary\'s node dies (processes stopped, network cut)', true,
      async o => { mark = logLength(o); die(o); },
      async o => { revive(o); });
    expect(next).not.toBe(old);
    expect(measured.rowsLost).toBe(0);
    expect(measured.secondsToNewPrimary).toBeLessThan(TTL + 2 * LOOP + 30);
    // The new primary archived its timeline's first segment at once (PATRONI_CALLBACK_SCRIPT).
    await until('the promotion\'s WAL switch', 60, async () => /promoted: switching WAL/.test(k.pod(next).container('database').logs()));
    await allStreaming();
    expect(await streaming(next)).toContain(old);
    expect(k.network.lookup(`${CLUSTER}-primary`)).toBe(k.pod(next).address);
    results.push({ ...measured, oldPrimary: howItCameBack(old, mark) });
  });

  test('delete the primary pod gracefully (a rollout or drain): Patroni hands over at once, no row lost; restarted, it rejoins without crash recovery', async () => {
    let mark = 0;
    let stopSeconds = 0;
    const { old, measured } = await failover('primary pod deleted gracefully (rollout, drain)', true,
      async o => {
        const t = Date.now();
        await k.stopPod(o, 60);
        stopSeconds = (Date.now() - t) / 1000;
      },
      async o => {
        const ordinal = Number(o.split('-').pop());
        await (await k.startStatefulSetPod(`${CLUSTER}-instance1`, ordinal)).waitReady(300);
        mark = 0;
      });
    expect(measured.rowsLost).toBe(0);
    // Well under the lease: the leader key was released, not left to expire.
    expect(measured.secondsToNewPrimary).toBeLessThan(TTL);
    expect(stopSeconds).toBeLessThan(30);
    await allStreaming();
    const log = k.pod(old).container('database').logs();
    expect(log).not.toMatch(/database system was interrupted|crash recovery/);
    results.push({ ...measured, oldPrimary: `${howItCameBack(old, mark)}; stopped in ${stopSeconds.toFixed(1)} s` });
  });

  test('kill the primary\'s postmaster: Patroni restarts it in place, same leader, no failover', async () => {
    const lead = await allStreaming();
    const before = await k.psql(lead, 'select timeline_id from pg_control_checkpoint()');
    const postmaster = (await k.exec(lead, 'database', ['bash', '-c', 'head -n 1 "$PGDATA/postmaster.pid"'])).stdout.trim();
    const writer = new Writer(k, caFile);
    writer.start();
    let killed = 0;
    let writable = 0;
    try {
      await writer.ackAfter(Date.now(), 60);
      killed = Date.now();
      await k.exec(lead, 'database', ['bash', '-c', `kill -KILL ${postmaster}`]);
      writable = await writer.ackAfter(killed + 500, 120);
    } finally {
      await writer.stop();
    }
    expect(await k.dcs.leader(SCOPE)).toBe(lead);
    const rows = await stored();
    const lost = writer.acked.filter(id => !rows.has(id));
    expect(lost).toEqual([]);
    expect(await k.psql(lead, 'select timeline_id from pg_control_checkpoint()')).toBe(before);
    results.push({
      scenario: 'primary postmaster killed',
      synchronous: true,
      secondsToNewPrimary: Math.round((writable - killed) / 100) / 10,
      acknowledged: writer.acked.length,
      rowsLost: lost.length,
      oldPrimary: 'restarted in place by Patroni (no failover)',
    });
  });

  /** Synchronous replication off in code, applied by the database containers to the DCS, in effect. */
  const asynchronous = async () => {
    redeploy(false);
    const lead = await leader();
    await until('synchronous_mode off in the DCS', 120, async () => {
      const r = await k.exec(lead, 'database', ['patronictl', 'show-config']);
      return r.code === 0 && /synchronous_mode: false/.test(r.stdout);
    });
    await until('no synchronous replica', 120, async () => (await k.psql(lead, "select count(*) from pg_stat_replication where sync_state = 'sync'")) === '0');
  };

  test('the settings in code reach the running cluster: synchronous replication off, applied to the DCS by the database containers', async () => {
    const lead = await allStreaming();
    await until('a synchronous replica', 60, async () => (await k.psql(lead, "select count(*) from pg_stat_replication where sync_state = 'sync'")) === '1');
    await asynchronous();
    expect(await k.psql(lead, 'show synchronous_standby_names')).toBe('');
  });

  test('cut the primary\'s network, asynchronous: a replica leads; lost rows are counted; reconnected, the old primary rejoins', async () => {
    await asynchronous();
    let mark = 0;
    const { old, next, measured } = await failover('primary network cut, asynchronous replication', false,
      async o => { mark = logLength(o); k.cutNetwork(o); },
      async o => { k.restoreNetwork(o); });
    expect(next).not.toBe(old);
    await allStreaming();
    expect(await streaming(next)).toContain(old);
    results.push({ ...measured, oldPrimary: howItCameBack(old, mark) });
  });

  test('negative control: asynchronous, with the replicas behind when the primary\'s node dies, acknowledged rows are lost, and counted', async () => {
    await asynchronous();
    let mark = 0;
    let replicas: string[] = [];
    const { old, next, measured } = await failover('negative control: primary\'s node dies, asynchronous, replicas 3 s behind', false,
      async o => {
        // The replicas' network goes for 3 s while the primary commits (a stopped walreceiver would not do: what the
        // primary sent waits in its socket), then the primary's node dies and the replicas come back.
        replicas = PODS.filter(p => p !== o);
        replicas.forEach(p => k.cutNetwork(p));
        await sleep(3000);
        mark = logLength(o);
        die(o);
        replicas.forEach(p => k.restoreNetwork(p));
      },
      async o => { revive(o); });
    expect(next).not.toBe(old);
    expect(measured.rowsLost).toBeGreaterThan(0);
    await allStreaming();
    results.push({ ...measured, oldPrimary: howItCameBack(old, mark) });
  });

  /** Waits until Patroni's configuration in the DCS, as `patronictl show-config` prints it, matches `pattern`. */
  const dcsConfig = async (pattern: RegExp) => until(`the DCS configuration to match ${pattern}`, 120, async () => {
    const r = await k.exec(await leader(), 'database', ['patronictl', 'show-config']);
    return r.code === 0 && pattern.test(r.stdout);
  });

  test('pauseFailover in code: maintenance mode reaches the cluster, and the primary\'s node dying promotes nobody; resumed, failover is back', async () => {
    const old = await allStreaming();
    redeploy(false, true);
    await dcsConfig(/^pause: true$/m);
    die(old);
    // Longer than the lease and a loop: without pause a replica would lead by now (above: about 20 s).
    await sleep((TTL + 3 * LOOP) * 1000);
    const others = PODS.filter(p => p !== old);
    for (const p of others) expect(await k.psql(p, 'select pg_is_in_recovery()')).toBe('t');
    expect(others).not.toContain(await k.dcs.leader(SCOPE));
    revive(old);
    await until('the old primary leading again', 120, async () => (await k.dcs.leader(SCOPE)) === old);
    redeploy(false);
    await until('pause off in the DCS', 120, async () => !/^pause: true$/m.test((await k.exec(old, 'database', ['patronictl', 'show-config'])).stdout));
    await allStreaming();
  });

  test('a failed primary whose rewind fails is re-created from the repo by pgBackRest', async () => {
    let mark = 0;
    let revoked = '';
    const { old, next, measured } = await failover('primary\'s node dies, its rewind refused: re-created from the repo', false,
      async o => { mark = logLength(o); die(o); },
      async o => {
        // pg_rewind reads the new primary's files through these functions; without them it fails.
        revoked = await leader();
        await k.psql(revoked, 'revoke execute on function pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean) from replicator');
        revive(o);
      });
    await until('the old primary re-created from the repo', 300, async () => /replica has been created using pgbackrest/.test(k.pod(old).container('database').logs().slice(mark)));
    const log = k.pod(old).container('database').logs().slice(mark);
    expect(log).toMatch(/pg_rewind exit code=1/);
    expect(log).toMatch(/remove_data_directory_on_rewind_failure is set\. removing/);
    await k.psql(revoked, 'grant execute on function pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean) to replicator');
    await allStreaming();
    expect(await streaming(next)).toContain(old);
    results.push({ ...measured, oldPrimary: 'pg_rewind failed (refused on purpose): removed and re-created from the repo by pgBackRest' });
  });

  test('a replica reinitialized with patronictl is delta-restored from the repo (its files kept, only changes copied)', async () => {
    const lead = await allStreaming();
    const replica = PODS.find(p => p !== lead) as string;
    const mark = logLength(replica);
    const r = await k.exec(lead, 'database', ['patronictl', 'reinit', SCOPE, replica, '--force', '--wait']);
    if (r.code !== 0) throw new Error(`patronictl reinit failed: ${r.stdout}${r.stderr}`);
    await until('the replica re-created', 300, async () => /replica has been created using pgbackrest/.test(k.pod(replica).container('database').logs().slice(mark)));
    const restoreLog = (await k.exec(replica, 'database', ['bash', '-c', 'tail -n 200 /pgdata/pgbackrest/log/db-restore.log'])).stdout;
    expect(restoreLog).toMatch(/restore command begin .*--delta/);
    await allStreaming();
  });

  test('after the failovers: WAL on the new timeline reaches the repo, a scheduled backup runs against the new primary, and a point-in-time clone across the switch has exactly the rows before its target', async () => {
    const lead = await allStreaming();
    const timeline = Number(await k.psql(lead, 'select timeline_id from pg_control_checkpoint()'));
    expect(timeline).toBeGreaterThan(1);
    const { expected, target, segment } = await rowsAroundTarget(k, lead);
    expect(parseInt(segment.slice(0, 8), 16)).toBe(timeline);
    const { archive } = await info(k, lead);
    expect(archive[0].max >= segment).toBe(true);

    // The CronJob's backup finds the primary among every instance (pgN-host); it starts at the next checkpoint.
    const backup = await runScheduledBackup(k, `${CLUSTER}-repo1-full`, leader);
    if (!backup.succeeded) throw new Error(`the backup failed:\n${backup.logs}`);
    expect((await info(k, lead)).backups.map(b => b.type)).toEqual(['full', 'full']);

    // A new Patroni cluster created by its bootstrap: pgBackRest picks the newest backup before the target, the first
    // one (timeline 1), and recovery replays across the failovers to the target on timeline `timeline`.
    const { primary: clone } = await bootClone(k, app, e2eProps({
      repos: [BackupRepo.volume({ size: Size.gibibytes(1) })],
      highAvailability: {},
      restoreFrom: Restore.fromCluster(cluster, { repoName: 'repo1', target: RecoveryTarget.time(target) }),
    }), 'pitr');
    const restored = await content(k, clone);
    expect(restored).toEqual(expected);
    expect(restored.phases.after).toBeUndefined();
  });

  /**
   * Patroni's REST API as another pod of the namespace calls it: from the database container of `from`, over HTTPS to
   * `to`'s pod name, the server verified against the CA, with no client certificate. Returns the status and body.
   */
  const restWithoutClientCert = async (from: string, to: string, method: string, urlPath: string, body?: unknown) => {
    const script = [
      'import http.client, json, ssl, sys',
      "ctx = ssl.create_default_context(cafile='/etc/pgbackrest/tls/ca.crt')",
      `c = http.client.HTTPSConnection('${to}.${CLUSTER}-pods.db.svc.cluster.local', 8008, context=ctx, timeout=30)`,
      `c.request('${method}', '${urlPath}', body=sys.stdin.read() or None, headers={'Content-Type': 'application/json'})`,
      'r = c.getresponse()',
      'print(r.status, r.read().decode().strip())',
    ].join('\n');
    const r = await k.exec(from, 'database', ['python3', '-c', script], { input: body === undefined ? '' : JSON.stringify(body) });
    if (r.code !== 0) throw new Error(`python3 in ${from} failed: ${r.stderr}`);
    const [status, ...text] = r.stdout.trim().split(' ');
    return { status: Number(status), text: text.join(' ') };
  };

  test('a switchover Job (highAvailability.switchover, a target): the target leads and takes writes, no acknowledged row lost, the old primary streams from it; without a client certificate Patroni refuses the same request', async () => {
    // Synchronous replication back on (the scenarios above turned it off): Patroni then switches over only to the
    // synchronous standby, which is the target here.
    redeploy(true);
    const lead = await allStreaming();
    // The synchronous standby as Patroni names it (its /sync key, what it checks a candidate against), once the
    // server agrees: PostgreSQL's sync_state alone can be ahead of Patroni's key, which then refuses the candidate.
    const target = await until('a synchronous standby', 120, async () => {
      const [kv] = await k.dcs.range(`/service/${SCOPE}/sync`);
      const named = kv ? JSON.parse(kv.value) : {};
      if (named.leader !== lead || !named.sync_standby) return undefined;
      const sync = await k.psql(lead, "select application_name from pg_stat_replication where sync_state = 'sync'");
      return sync === named.sync_standby ? sync : undefined;
    });
    const manifests = redeploy(true, undefined, { trigger: 'maint-1', targetInstance: target });
    const job = manifests.find(m => m.kind === 'Job' && m.metadata.name.startsWith(`${CLUSTER}-switchover-`));
    expect(job.metadata.annotations['ivory-operator.ivorysql.org/trigger-switchover']).toBe('maint-1');
    let jobPod: Awaited<ReturnType<LocalCluster['startJob']>> | undefined;
    let jobDone: Promise<boolean> = Promise.resolve(false);
    let started = 0;
    let finished = 0;
    let mark = 0;
    // Measured from the Job's start (as applying it would start it) to the first commit on the new primary.
    const { old, next, measured } = await failover(`switchover Job to the synchronous standby (${target})`, true,
      async o => {
        mark = logLength(o);
        started = Date.now();
        jobPod = await k.startJob('Job', job.metadata.name);
        jobDone = jobPod.waitCompleted(400).finally(() => { finished = Date.now(); });
      },
      async () => undefined);
    const jobRun = { succeeded: await jobDone, logs: jobPod?.logs() ?? '' };
    const jobSeconds = (finished - started) / 1000;
    step(`switchover Job ${jobRun.succeeded ? 'succeeded' : 'failed'} in ${jobSeconds} s:\n${jobRun.logs}`);
    if (!jobRun.succeeded) throw new Error(`the switchover Job failed:\n${jobRun.logs}`);
    expect(old).toBe(lead);
    expect(next).toBe(target);
    expect(jobRun.logs).toContain(`switchover: leader is ${old} on timeline`);
    expect(jobRun.logs).toContain(`switchover: asking ${old} to switch over: POST /switchover {"leader": "${old}", "candidate": "${target}"}`);
    expect(jobRun.logs).toMatch(/switchover: Patroni answered 200: Successfully switched over to/);
    expect(jobRun.logs).toContain(`switchover: done: ${target} leads and is running`);
    // Confirmed from /cluster once promoted: on the next timeline.
    const timelines = [/leader is \S+ on timeline (\d+)/, /leads and is running on timeline (\d+)/].map(re => Number(re.exec(jobRun.logs)?.[1]));
    expect(timelines[1]).toBe(timelines[0] + 1);
    expect(measured.rowsLost).toBe(0);
    // The old primary was demoted cleanly and streams from the new one.
    await allStreaming();
    expect(await streaming(next)).toContain(old);
    expect(await k.psql(old, 'select pg_is_in_recovery()')).toBe('t');
    expect(k.network.lookup(`${CLUSTER}-primary`)).toBe(k.pod(next).address);
    results.push({ ...measured, oldPrimary: `${howItCameBack(old, mark)}; the Job ran ${jobSeconds.toFixed(1)} s` });

    // The Job's pod run again (a retry would do this): the target already leads, nothing happens.
    const again = await k.runJob('Job', job.metadata.name, 120);
    expect(again.succeeded).toBe(true);
    expect(again.logs).toContain(`switchover: ${target} already leads: nothing to do`);
    expect(await k.dcs.leader(SCOPE)).toBe(next);

    // Negative control: the same request from a pod without a client certificate (only the CA, so the server is
    // verified) is refused by Patroni; reading the cluster needs none. The client certificate is what admits the Job.
    const seen = await restWithoutClientCert(old, next, 'GET', '/cluster');
    expect(seen.status).toBe(200);
    expect(JSON.parse(seen.text).members.find((m: any) => m.role === 'leader').name).toBe(next);
    const refused = await restWithoutClientCert(old, next, 'POST', '/switchover', { leader: next, candidate: old });
    step(`switchover without a client certificate: ${refused.status} ${refused.text}`);
    expect([401, 403]).toContain(refused.status);
    expect(refused.text).toMatch(/client certificate required/);
    await sleep(2 * LOOP * 1000);
    expect(await k.dcs.leader(SCOPE)).toBe(next);
  });
});
