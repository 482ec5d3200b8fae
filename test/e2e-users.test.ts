/**
 * End-to-end, users and databases (standalone target, the real engine): applications connect as each declared user
 * with the connection string of its `<cluster>-pguser-<user>` Secret, over TLS; each reads and writes its own
 * database and is refused the other's; a password changed at its source reaches the database without a restart; a
 * user removed from the code keeps its role and its data. The pguser Secrets are written by the harness's
 * external-secrets (test/e2e/harness/external-secrets.ts) from the ExternalSecrets the library renders.
 */
import { Size } from 'cdk8s';
import { BackupRepo, DatabaseUserProps, IvoryCluster, UserPassword } from '../src';
import { describeE2E, LocalCluster } from './e2e/harness/cluster';
import { boot, e2eProps, newChart, sleep, synthChart, Testing, until } from './e2e/scenario';

const run = describeE2E(__filename);
jest.setTimeout(900_000);

/** Passwords with what a URI must escape: a space, '+', '/', '@', '%', ':' and a non-ASCII letter. */
const FIRST = 'first pass+w/o@rd%:é';
const SECOND = 'second pass&word=?#';

const USERS: DatabaseUserProps[] = [
  { name: 'app', databases: ['app'], password: UserPassword.fromSecret('app-password') },
  { name: 'report', databases: ['reports'] },
];

function synth(users: DatabaseUserProps[] = USERS): { cluster: IvoryCluster; manifests: any[] } {
  const chart = newChart(Testing.app());
  const cluster = new IvoryCluster(chart, 'hippo', e2eProps({ repos: [BackupRepo.volume({ size: Size.gibibytes(1) })], users }));
  return { cluster, manifests: synthChart(chart) };
}

/**
 * Runs SQL as a client of the namespace would, with `uri` (given on stdin, so it is on no command line), from the
 * primary pod's database container: the URI's host is the primary Service, reached over the pods' network.
 */
async function asClient(k: LocalCluster, pod: string, uri: string, sql: string): Promise<{ code: number; out: string }> {
  const r = await k.exec(pod, 'database', ['bash', '-c', 'psql "$(head -n 1)" -XAtq -v ON_ERROR_STOP=1 -c "$0"', sql], { input: `${uri}\n` });
  return { code: r.code, out: (r.stdout + r.stderr).trim() };
}

async function connects(k: LocalCluster, pod: string, uri: string, sql: string): Promise<string> {
  const r = await asClient(k, pod, uri, sql);
  if (r.code !== 0) throw new Error(`psql with the published URI failed: ${r.out}`);
  return r.out;
}

function pguser(k: LocalCluster, user: string): { [key: string]: string } {
  const s = k.secret(`hippo-pguser-${user}`);
  if (!s) throw new Error(`no Secret hippo-pguser-${user}`);
  return s;
}

/** Waits until the users container has set `user`'s password `times` times in all. */
async function passwordSet(k: LocalCluster, pod: string, user: string, times = 1): Promise<void> {
  await until(`the password of ${user} set (${times})`, 120, async () =>
    k.pod(pod).container('users').logs().split('\n').filter(l => l === `password of ${user} set`).length >= times);
}

async function withCluster<T>(manifests: any[], fn: (k: LocalCluster) => Promise<T>): Promise<T> {
  const k = new LocalCluster(manifests, { secrets: { 'app-password': { password: FIRST } } });
  try {
    return await fn(k);
  } finally {
    await k.destroy();
  }
}

/** Each user writes and reads its own database through its Secret's URI, and is refused the other's. */
async function ownDatabasesOnly(k: LocalCluster, primary: string): Promise<void> {
  for (const [user, db] of [['app', 'app'], ['report', 'reports']]) {
    const s = pguser(k, user);
    expect(s).toMatchObject({ user, host: 'hippo-primary.db.svc', port: '5432', dbname: db });
    expect(s.uri).toMatch(new RegExp(`^postgresql://${user}:[^@]+@hippo-primary\\.db\\.svc:5432/${db}\\?sslmode=require$`));
    const who = await connects(k, primary, s.uri,
      `create table if not exists notes (id int primary key, body text); insert into notes values (1, 'by ${user}') on conflict (id) do nothing;
       select current_user || ' ' || current_database() || ' ' || (select ssl from pg_stat_ssl where pid = pg_backend_pid()) || ' ' || (select body from notes where id = 1)`);
    expect(who).toBe(`${user} ${db} true by ${user}`);
  }
  // Another user's database: refused at connection.
  const other = pguser(k, 'app').uri.replace('/app?', '/reports?');
  const refused = await asClient(k, primary, other, 'select 1');
  expect(refused.code).not.toBe(0);
  expect(refused.out).toMatch(/permission denied for database "reports"|User does not have CONNECT privilege/);
  const reverse = await asClient(k, primary, pguser(k, 'report').uri.replace('/reports?', '/app?'), 'select 1');
  expect(reverse.code).not.toBe(0);
  expect(reverse.out).toMatch(/permission denied for database "app"|User does not have CONNECT privilege/);
}

run('e2e: users and databases', () => {
  test('each user connects with its Secret\'s URI over TLS, uses its database only, and keeps working after its password is rotated', async () => {
    const { cluster, manifests } = synth();
    await withCluster(manifests, async k => {
      const primary = await boot(k, cluster);
      await passwordSet(k, primary, 'app');
      await passwordSet(k, primary, 'report');
      expect(pguser(k, 'app').password).toBe(FIRST);
      expect(pguser(k, 'report').password).toHaveLength(24);
      await ownDatabasesOnly(k, primary);

      // The URI for verify-full, as README says: the CA of hippo-postgres-tls (mounted in the database container).
      const verify = pguser(k, 'app').uri.replace('sslmode=require', 'sslmode=verify-full&sslrootcert=/etc/ivorysql/tls/ca.crt');
      expect(await connects(k, primary, verify, 'select current_user')).toBe('app');
      // Without TLS, the cluster's pg_hba refuses the same credentials.
      const plain = await asClient(k, primary, pguser(k, 'app').uri.replace('sslmode=require', 'sslmode=disable'), 'select 1');
      expect(plain.out).toMatch(/pg_hba\.conf rejects connection .* no encryption/);

      // Rotation: the Secret the user manages changes; its pguser Secret and the mounted file follow, no restart.
      const started = await k.psql(primary, 'select pg_postmaster_start_time()');
      const oldUri = pguser(k, 'app').uri;
      k.setSecret('app-password', { password: SECOND });
      expect(pguser(k, 'app').password).toBe(SECOND);
      await passwordSet(k, primary, 'app', 2);
      expect(await connects(k, primary, pguser(k, 'app').uri, 'select body from notes where id = 1')).toBe('by app');
      const stale = await asClient(k, primary, oldUri, 'select 1');
      expect(stale.out).toMatch(/password authentication failed for user "app"/);
      expect(await k.psql(primary, 'select pg_postmaster_start_time()')).toBe(started);
      // A password ending in a line break (kubectl create secret --from-file of an echoed file) is not set, and said
      // so: the URI would carry the break the database would not have. The last password keeps working.
      k.setSecret('app-password', { password: 'third\n' });
      await until('the line break reported', 60, async () => /the password of app ends with a line break: not set/.test(k.pod(primary).container('users').logs()));
      k.setSecret('app-password', { password: SECOND });
      expect(await connects(k, primary, pguser(k, 'app').uri, 'select current_user')).toBe('app');

      // Neither password, nor a verifier, is in the server's log; the verifier is stored, the password is not.
      const log = k.pod(primary).container('database').logs();
      for (const secret of [FIRST, SECOND, pguser(k, 'report').password]) expect(log).not.toContain(secret);
      expect(log).not.toContain('SCRAM-SHA-256$');
      expect(await k.psql(primary, "select rolpassword like 'SCRAM-SHA-256$4096:%' from pg_authid where rolname = 'app'")).toBe('t');

      // A user removed from the code: its role, database and rows stay; the users container says so.
      const without = synth(USERS.filter(u => u.name !== 'report')).manifests;
      k.apply(without);
      const restarted = await k.startStatefulSetPod('hippo-instance1', 0);
      await restarted.waitReady(300);
      await until('the removed user reported', 120, async () => /role report is no longer declared: left as it is/.test(restarted.container('users').logs()));
      expect(await k.psql(primary, "select rolname from pg_roles where rolname = 'report'")).toBe('report');
      expect(await k.psql(primary, 'select body from notes where id = 1', 'reports')).toBe('by report');
      await passwordSet(k, primary, 'app');
      expect(await connects(k, primary, pguser(k, 'app').uri, 'select current_user')).toBe('app');
    });
  });

  test('a replica: its users container leaves it alone; roles and passwords arrive by replication, so users log in there too', async () => {
    const chart = newChart(Testing.app());
    const cluster = new IvoryCluster(chart, 'hippo', e2eProps({
      repos: [BackupRepo.volume({ size: Size.gibibytes(1) })], instances: [{ replicas: 2 }], users: USERS,
    }));
    await withCluster(synthChart(chart), async k => {
      const primary = await boot(k, cluster);
      await passwordSet(k, primary, 'app');
      await connects(k, primary, pguser(k, 'app').uri, "create table notes (body text); insert into notes values ('from the primary')");
      const replica = 'hippo-instance1-1';
      await (await k.startStatefulSetPod('hippo-instance1', 1)).waitReady(300);
      const uri = pguser(k, 'app').uri.replace('hippo-primary.db.svc', `${replica}.hippo-pods.db.svc`);
      expect(await until('the replica to answer as app', 120, async () =>
        (await asClient(k, replica, uri, 'select pg_is_in_recovery() || \' \' || body from notes')).out.match(/^true from the primary$/)?.[0])).toBeTruthy();
      // Nothing was attempted on the replica (a set-up there would fail: it is read-only).
      await sleep(12_000);
      expect(k.pod(replica).container('users').logs()).toBe('');
    });
  });

  test('negative control: without REVOKE CONNECT ... FROM PUBLIC in the set-up, a user reaches the other\'s database', async () => {
    const { cluster, manifests } = synth();
    const config = manifests.find(m => m.kind === 'ConfigMap' && m.metadata.name === 'hippo-users');
    const before = config.data['users.sql'];
    config.data['users.sql'] = before.replace(/^REVOKE CONNECT, TEMPORARY ON DATABASE .*\n/gm, '');
    expect(config.data['users.sql']).not.toBe(before);
    await withCluster(manifests, async k => {
      const primary = await boot(k, cluster);
      await passwordSet(k, primary, 'app');
      await passwordSet(k, primary, 'report');
      await expect(ownDatabasesOnly(k, primary)).rejects.toThrow(/expect\(received\)\.not\.toBe\(expected\)/);
    });
  });

  test('negative control: without the users container no declared user can log in with its URI', async () => {
    const { cluster, manifests } = synth();
    const pod = manifests.find(m => m.kind === 'StatefulSet' && m.metadata.name === 'hippo-instance1').spec.template.spec;
    pod.containers = pod.containers.filter((c: any) => c.name !== 'users');
    await withCluster(manifests, async k => {
      const primary = await boot(k, cluster);
      const r = await asClient(k, primary, pguser(k, 'app').uri, 'select 1');
      expect(r.code).not.toBe(0);
      expect(r.out).toMatch(/password authentication failed for user "app"/);
    });
  });

  test('negative control: a set-up that sets each password once (not when its file changes) refuses the rotated password', async () => {
    const { cluster, manifests } = synth();
    const users = manifests.find(m => m.kind === 'StatefulSet' && m.metadata.name === 'hippo-instance1').spec.template.spec.containers
      .find((c: any) => c.name === 'users');
    const script = users.command[3];
    users.command[3] = script.replace('[ "$hash" != "${applied[$user]:-}" ] || continue', '[ -z "${applied[$user]:-}" ] || continue');
    expect(users.command[3]).not.toBe(script);
    await withCluster(manifests, async k => {
      const primary = await boot(k, cluster);
      await passwordSet(k, primary, 'app');
      k.setSecret('app-password', { password: SECOND });
      await expect(until('the rotated password accepted', 40, async () => (await asClient(k, primary, pguser(k, 'app').uri, 'select 1')).code === 0))
        .rejects.toThrow(/timed out/);
    });
  });
});
