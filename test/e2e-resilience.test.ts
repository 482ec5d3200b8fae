/**
 * End-to-end, what the instance pods do when Kubernetes is unkind to them, on the real engine (IvorySQL 5.4,
 * pgBackRest 2.58): an empty data volume under the primary. Each proof has its negative control, which must fail it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Size } from 'cdk8s';
import { BackupRepo, BackupSchedule, IvoryCluster, IvoryClusterProps } from '../src';
import { describeE2E, LocalCluster } from './e2e/harness/cluster';
import { archiveCurrentWal, boot, content, e2eProps, newChart, synthChart, Testing, write } from './e2e/scenario';

const run = describeE2E(__filename);
jest.setTimeout(900_000);

const PRIMARY = 'hippo-instance1-0';
const DATA_CLAIM = `ivory-data-${PRIMARY}`;

function synth(props: Partial<IvoryClusterProps> = {}): { cluster: IvoryCluster; manifests: any[] } {
  const chart = newChart(Testing.app());
  const repos = [BackupRepo.volume({ size: Size.gibibytes(1), schedule: BackupSchedule.dailyFull() })];
  const cluster = new IvoryCluster(chart, 'hippo', e2eProps({ repos, ...props }));
  return { cluster, manifests: synthChart(chart) };
}

async function withCluster<T>(manifests: any[], fn: (k: LocalCluster) => Promise<T>): Promise<T> {
  const k = new LocalCluster(manifests);
  try {
    return await fn(k);
  } finally {
    await k.destroy();
  }
}

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
});
