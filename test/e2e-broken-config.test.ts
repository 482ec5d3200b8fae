/**
 * End-to-end negative controls: the scenarios must be able to fail. The same manifests as the volume suite's, each
 * broken in one place after synthesis, run through scenario 1's checks, which must reject them.
 */
import { Duration, Size } from 'cdk8s';
import { BackupRepo, IvoryCluster, IvoryClusterProps } from '../src';
import { describeE2E, LocalCluster } from './e2e/harness/cluster';
import { boot, checkWalArchivedToVolumeRepo, e2eProps, newChart, synthChart, Testing } from './e2e/scenario';

const run = describeE2E(__filename);
jest.setTimeout(600_000);

/** Replaces `from` by `to` in one ConfigMap's data; fails if `from` is not there, so the break cannot miss. */
function breakConfigMap(manifests: any[], name: string, from: string, to: string): any[] {
  const configMap = manifests.find(m => m.kind === 'ConfigMap' && m.metadata.name === name);
  const data: { [key: string]: string } = configMap.data;
  expect(Object.values(data).some(v => v.includes(from))).toBe(true);
  for (const key of Object.keys(data)) data[key] = data[key].split(from).join(to);
  return manifests;
}

/** Boots the cluster from the broken manifests and runs scenario 1 on it. */
async function scenarioOne(manifests: any[], cluster: IvoryCluster): Promise<void> {
  const k = new LocalCluster(manifests);
  try {
    const primary = await boot(k, cluster);
    await checkWalArchivedToVolumeRepo(k, primary, 'hippo-repo1', 30);
  } finally {
    await k.destroy();
  }
}

run('e2e: a deliberately broken config fails the scenarios', () => {
  const synth = (props: Partial<IvoryClusterProps> = {}) => {
    const chart = newChart(Testing.app());
    const cluster = new IvoryCluster(chart, 'hippo', e2eProps({ repos: [BackupRepo.volume({ size: Size.gibibytes(1) })], ...props }));
    return { cluster, manifests: synthChart(chart) };
  };

  test('a wrong repo path in the rendered pgBackRest INI', async () => {
    const { cluster, manifests } = synth();
    // Backups and WAL still "succeed", into the wrong directory: only a check of where the repo is catches it.
    breakConfigMap(manifests, 'hippo-pgbackrest-config', 'repo1-path = /pgbackrest/repo1\n', 'repo1-path = /pgbackrest/repo1/elsewhere\n');
    await expect(scenarioOne(manifests, cluster)).rejects.toThrow(/archive\.info|18-1/);
  });

  test('wal_compression = lz4 forced on the image built without lz4: the database does not start', async () => {
    const { cluster, manifests } = synth();
    // The typed prop refuses lz4 for this image at synth; forced here, the engine must refuse it too.
    breakConfigMap(manifests, 'hippo-config', "wal_compression = 'pglz'\n", "wal_compression = 'lz4'\n");
    await expect(scenarioOne(manifests, cluster)).rejects.toThrow(/invalid value for parameter "wal_compression": "lz4"/);
  });

  test('a wrong archive_command in the rendered postgresql.conf', async () => {
    // WAL never arrives: the first backup gives up after archive-timeout, shortened here from its 5 minutes.
    const { cluster, manifests } = synth({ tuning: { archiveTimeout: Duration.seconds(30) } });
    breakConfigMap(manifests, 'hippo-config', "archive_command = 'pgbackrest --stanza=db ", "archive_command = 'pgbackrest --stanza=nosuch ");
    await expect(scenarioOne(manifests, cluster)).rejects.toThrow(/WAL segment \w+ was not archived before the \d+ms timeout/);
  });
});
