/**
 * Operator target, an in-place point-in-time restore: the cluster's data is replaced with a restore of its own repo1
 * up to just before an incident. Destructive, so it needs `confirmOverwrite: true`; a new `restoreId` starts a new
 * restore (IVYO's `pgbackrest-restore` annotation), the same id re-synthesizes without restoring again. Remove
 * `inPlaceRestore` once the restore is done.
 */
import { App, Chart, Size } from 'cdk8s';
import { BackupRepo, BackupRetention, BackupSchedule, IvoryCluster, RecoveryTarget, Restore } from '../../src';

export function build(app: App): Chart {
  const chart = new Chart(app, 'operator-pitr-in-place', { namespace: 'payments' });
  new IvoryCluster(chart, 'hippo', {
    instances: [{ replicas: 2, dataVolumeSize: Size.gibibytes(50) }],
    repos: [
      BackupRepo.volume({
        size: Size.gibibytes(200),
        schedule: BackupSchedule.weeklyFullDailyDifferential({ hour: 1 }),
        retention: BackupRetention.fullCount(4),
      }),
    ],
    inPlaceRestore: Restore.inPlace({
      restoreId: 'incident-42',
      repoName: 'repo1',
      target: RecoveryTarget.time('2026-11-26 14:15:11+01'),
      confirmOverwrite: true,
    }),
  });
  return chart;
}

if (require.main === module) {
  const app = new App();
  build(app);
  app.synth();
}
