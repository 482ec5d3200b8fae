/**
 * End-to-end, what the instance pods do when Kubernetes is unkind to them, on the real engine (IvorySQL 5.4,
 * pgBackRest 2.58): an empty data volume under the primary, a stop with a client connected, certificates renewed under
 * running servers. Each proof has its negative control, which must fail it.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { IvoryCluster } from '../src';
import { describeE2E, LocalCluster } from './e2e/harness/cluster';
import { archiveCurrentWal, boot, content, instanceTemplate, synthVolumeCluster as synth, withCluster, write } from './e2e/scenario';

const run = describeE2E(__filename);
jest.setTimeout(900_000);

const PRIMARY = 'hippo-instance1-0';
const DATA_CLAIM = `ivory-data-${PRIMARY}`;

/** Deletes everything on a claim, as a lost PVC replaced by a new, empty one. */
function wipeClaim(k: LocalCluster, claim: string): void {
  const dir = k.claimDir(claim);
  for (const entry of fs.readdirSync(dir)) fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
}

/** Starts the primary's pod; resolves to its bootstrap log, or rejects with the init container's failure. */
async function startPrimary(k: LocalCluster): Promise<string> {
  const pod = await k.startStatefulSetPod('hippo-instance1', 0);
  await pod.waitReady(300);
  return pod.container('bootstrap').logs();
}

/** Boots, writes rows and archives them; returns the content the repo now holds. */
async function bootWithRows(k: LocalCluster, cluster: IvoryCluster): Promise<Awaited<ReturnType<typeof content>>> {
  await boot(k, cluster);
  await write(k, PRIMARY, 'before-loss');
  await archiveCurrentWal(k, PRIMARY);
  return content(k, PRIMARY);
}

run('e2e: the instance pods under real Kubernetes conditions', () => {
  describe('an empty data volume under the primary', () => {
    test('is rebuilt from the repo: every archived row comes back, and archiving goes on', async () => {
      const { cluster, manifests } = synth();
      await withCluster(manifests, async k => {
        const expected = await bootWithRows(k, cluster);
        await k.stopPod(PRIMARY, 60);
        wipeClaim(k, DATA_CLAIM);
        const log = await startPrimary(k);
        expect(log).toContain('this cluster\'s stanza has backups in repo1');
        expect(log).toContain('rebuilding the primary from the newest backup in the repos');
        expect(await content(k, PRIMARY)).toEqual(expected);
        // The rebuilt primary is on a new timeline and archives into the same stanza.
        await write(k, PRIMARY, 'after-rebuild');
        await archiveCurrentWal(k, PRIMARY);
        expect((await content(k, PRIMARY)).phases).toEqual({ ...expected.phases, 'after-rebuild': 1000 });
      });
    });

    test('with the repo unreachable, the pod fails saying why and creates nothing; once the repo is back, the rows are', async () => {
      const { cluster, manifests } = synth();
      await withCluster(manifests, async k => {
        const expected = await bootWithRows(k, cluster);
        await k.stopPod(PRIMARY, 60);
        wipeClaim(k, DATA_CLAIM);
        await k.stopPod('hippo-repo-host-0', 10);
        const failure = await startPrimary(k).then(() => 'started', e => String((e as Error).message));
        expect(failure).toMatch(/init container bootstrap exited with 1/);
        expect(failure).toContain('whether the repos hold this cluster\'s data is unknown: cannot read repo1');
        expect(failure).toContain('Not creating a new database');
        expect(fs.readdirSync(k.claimDir(DATA_CLAIM))).not.toContain('pg18');
        await k.pod(PRIMARY).stop(5);
        await (await k.startStatefulSetPod('hippo-repo-host', 0)).waitReady(60);
        await startPrimary(k);
        expect(await content(k, PRIMARY)).toEqual(expected);
      });
    });

    test('with the stanza in the repo but no backup, the pod fails saying why and creates nothing', async () => {
      const { cluster, manifests } = synth();
      await withCluster(manifests, async k => {
        await boot(k, cluster, { stanza: false });
        const created = await k.pgbackrest(PRIMARY, 'database', ['--stanza=db', 'stanza-create']);
        expect(created.code).toBe(0);
        await k.stopPod(PRIMARY, 60);
        wipeClaim(k, DATA_CLAIM);
        const failure = await startPrimary(k).then(() => 'started', e => String((e as Error).message));
        expect(failure).toContain('this cluster\'s stanza exists in repo1 (no valid backups), with no backup to restore from');
        expect(fs.readdirSync(k.claimDir(DATA_CLAIM))).not.toContain('pg18');
      });
    });

    test('negative control: with standalone.initdbOverExistingStanza, the same loss is a new, empty database', async () => {
      const { cluster, manifests } = synth({ standalone: { initdbOverExistingStanza: true } });
      await withCluster(manifests, async k => {
        await bootWithRows(k, cluster);
        await k.stopPod(PRIMARY, 60);
        wipeClaim(k, DATA_CLAIM);
        const log = await startPrimary(k);
        expect(log).toContain('WARNING: standalone.initdbOverExistingStanza is set');
        expect(await k.psql(PRIMARY, "select coalesce(to_regclass('t')::text, 'no table t')")).toBe('no table t');
      });
    });
  });

  describe('stopping the pod with a client connected', () => {
    interface StopResult {
      /** Exit codes of the database container's startup, liveness and readiness probes, run as the kubelet runs them. */
      readonly probes: { [probe: string]: number };
      readonly seconds: number;
      readonly stopLog: string;
      readonly startLog: string;
      readonly rowsKept: boolean;
    }

    /** An idle psql session held open, the pod stopped as the kubelet stops it, then started again. */
    async function stopWithIdleClient(manifests: any[], cluster: IvoryCluster): Promise<StopResult> {
      const grace = instanceTemplate(manifests).spec.terminationGracePeriodSeconds;
      return withCluster(manifests, async k => {
        await boot(k, cluster);
        await write(k, PRIMARY, 'before-stop');
        const expected = await content(k, PRIMARY);
        const database = instanceTemplate(manifests).spec.containers.find((c: any) => c.name === 'database');
        const probes: { [probe: string]: number } = {};
        for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
          if (database[probe]) probes[probe] = (await k.exec(PRIMARY, 'database', database[probe].exec.command)).code;
        }
        // psql connects, runs a query, then sits idle in its shell escape: its session stays open.
        void k.exec(PRIMARY, 'database', ['timeout', '150', 'psql', '-h', '/tmp/postgres', '-d', 'postgres', '-XAtq', '-f', '-'],
          { input: 'select 1;\n\\! sleep 140\n' });
        await until(async () => Number(await k.psql(PRIMARY, "select count(*) from pg_stat_activity where application_name = 'psql' and state = 'idle'")) >= 1);
        const started = Date.now();
        await k.stopPod(PRIMARY, grace);
        const seconds = (Date.now() - started) / 1000;
        const stopLog = k.pod(PRIMARY).container('database').logs();
        await startPrimary(k);
        const startLog = k.pod(PRIMARY).container('database').logs();
        const rowsKept = JSON.stringify(await content(k, PRIMARY)) === JSON.stringify(expected);
        return { probes, seconds, stopLog, startLog, rowsKept };
      });
    }

    /** What a fast, clean stop is: seconds, PostgreSQL's fast shutdown, and a start with no crash recovery. */
    function expectFastCleanStop(r: StopResult): void {
      expect(r.stopLog).toContain('received fast shutdown request');
      expect(r.stopLog).toContain('database system is shut down');
      expect(r.seconds).toBeLessThan(10);
      expect(r.startLog).toMatch(/database system was shut down at/);
      expect(r.startLog).not.toMatch(/not properly shut down|automatic recovery in progress|was interrupted/);
      expect(r.rowsKept).toBe(true);
    }

    test('SIGTERM is PostgreSQL\'s fast shutdown: the pod stops in seconds, and the next start needs no crash recovery', async () => {
      const { cluster, manifests } = synth();
      const r = await stopWithIdleClient(manifests, cluster);
      console.log(`stop with an idle client: ${r.seconds.toFixed(1)} s`);
      expectFastCleanStop(r);
      // The probes' commands work in the container as rendered (the harness itself waits on readiness only).
      expect(r.probes).toEqual({ startupProbe: 0, livenessProbe: 0, readinessProbe: 0 });
    });

    test('negative control: postgres itself as the command (SIGTERM: smart shutdown) waits out the grace, is killed, and recovers', async () => {
      const { cluster, manifests } = synth();
      const template = instanceTemplate(manifests);
      const database = template.spec.containers.find((c: any) => c.name === 'database');
      database.command = ['postgres', ...database.command.slice(5)];
      expect(database.command).toEqual(['postgres', '-D', '/pgdata/pg18', '-c', 'config_file=/etc/ivorysql/config/postgresql.conf', '-c', 'cluster_name=$(POD_NAME)']);
      template.spec.terminationGracePeriodSeconds = 15;
      const r = await stopWithIdleClient(manifests, cluster);
      console.log(`negative control, stop with an idle client: ${r.seconds.toFixed(1)} s`);
      expect(r.stopLog).toContain('received smart shutdown request');
      expect(r.seconds).toBeGreaterThanOrEqual(15);
      expect(r.startLog).toMatch(/not properly shut down; automatic recovery in progress/);
      expect(() => expectFastCleanStop(r)).toThrow();
    });
  });

  describe('certificates renewed under running servers', () => {
    /** The serial of the certificate a TLS server presents, as a client sees it (openssl s_client). */
    function servedSerial(address: string, port: number, starttls?: string): string {
      const out = execFileSync('bash', ['-c', `openssl s_client -connect ${address}:${port} ${starttls ? `-starttls ${starttls}` : ''} </dev/null 2>/dev/null `
        + '| openssl x509 -noout -serial'], { encoding: 'utf8', timeout: 20_000 });
      return out.trim().replace(/^serial=/, '');
    }

    interface RenewResult {
      readonly before: { postgres: string; pgbackrest: string; repoHost: string };
      readonly after: { postgres: string; pgbackrest: string; repoHost: string };
      /** The new certificates' serials, as issued. */
      readonly issued: { postgres: string; pgbackrest: string };
      readonly restarted: boolean;
    }

    /** Renews the PostgreSQL and pgBackRest certificates, waits `waitSeconds`, and reads what is served. */
    async function renew(manifests: any[], cluster: IvoryCluster, waitSeconds: number): Promise<RenewResult> {
      const secretOf = (suffix: string) => manifests.find(m => m.kind === 'Certificate' && m.spec.secretName.endsWith(suffix)).spec.secretName;
      return withCluster(manifests, async k => {
        await boot(k, cluster);
        const primary = k.pod(PRIMARY).address;
        const repoHost = k.pod('hippo-repo-host-0').address;
        const served = () => ({ postgres: servedSerial(primary, 5432, 'postgres'), pgbackrest: servedSerial(primary, 8432), repoHost: servedSerial(repoHost, 8432) });
        const before = served();
        const started = await k.psql(PRIMARY, 'select pg_postmaster_start_time()');
        const processes = ['database', 'pgbackrest'].map(c => k.pod(PRIMARY).container(c).findMainPid());
        k.renewCertificate(secretOf('postgres-tls'));
        k.renewCertificate(secretOf('pgbackrest-tls'));
        const serialOf = (secret: string, file: string) => execFileSync('openssl', ['x509', '-noout', '-serial', '-in',
          path.join(k.pod(PRIMARY).dir, 'volumes', secret, file)], { encoding: 'utf8' }).trim().replace(/^serial=/, '');
        const issued = { postgres: serialOf('postgres-tls', 'tls.crt'), pgbackrest: serialOf('pgbackrest-tls', 'tls.crt') };
        await new Promise(r => setTimeout(r, waitSeconds * 1000));
        const after = served();
        const restarted = await k.psql(PRIMARY, 'select pg_postmaster_start_time()') !== started
          || ['database', 'pgbackrest'].some((c, i) => !k.pod(PRIMARY).container(c).running || k.pod(PRIMARY).container(c).findMainPid() !== processes[i]);
        // Archiving (instance to repo host) and a backup (Job to instance) work with the new certificates.
        await write(k, PRIMARY, 'after-renewal');
        await archiveCurrentWal(k, PRIMARY);
        const backup = await k.runJob('CronJob', 'hippo-repo1-full', 600);
        if (!backup.succeeded) throw new Error(`the backup after the renewal failed:\n${backup.logs}`);
        return { before, after, issued, restarted };
      });
    }

    test('PostgreSQL and both pgBackRest TLS servers serve the renewed certificates within seconds, with no restart', async () => {
      const { cluster, manifests } = synth();
      const r = await renew(manifests, cluster, 25);
      console.log(`served serials before ${JSON.stringify(r.before)}, after ${JSON.stringify(r.after)}`);
      expect(r.issued.postgres).not.toBe(r.before.postgres);
      expect(r.after).toEqual({ postgres: r.issued.postgres, pgbackrest: r.issued.pgbackrest, repoHost: r.issued.pgbackrest });
      expect(r.restarted).toBe(false);
    });

    test('negative control: with nothing watched (WATCH_FILES empty), the old certificates are still served', async () => {
      const { cluster, manifests } = synth();
      const containers = [
        ...instanceTemplate(manifests).spec.containers,
        ...manifests.find(m => m.kind === 'StatefulSet' && m.metadata.name === 'hippo-repo-host').spec.template.spec.containers,
      ];
      for (const c of containers) {
        const watch = (c.env ?? []).find((e: any) => e.name === 'WATCH_FILES');
        if (watch) watch.value = '';
      }
      const r = await renew(manifests, cluster, 25);
      expect(r.after).toEqual(r.before);
      expect(r.after.postgres).not.toBe(r.issued.postgres);
    });
  });
});

async function until(probe: () => Promise<boolean>, timeoutSeconds = 60): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutSeconds}s`);
    await new Promise(r => setTimeout(r, 500));
  }
}
