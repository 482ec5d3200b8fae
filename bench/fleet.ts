/**
 * The fleet used by the synthesis benchmark: clusters with 4 repos (volume, S3, GCS, Azure) and 3 schedules each.
 */
import { App, Chart, Size } from 'cdk8s';
import {
  BackupRepo, BackupRetention, BackupSchedule, DeploymentTarget, IvoryCluster, RepoCredentials,
} from '../src';

function schedule(k: number): BackupSchedule {
  return new BackupSchedule({ full: `0 ${1 + k} * * 0`, differential: `0 ${1 + k} * * 1-6`, incremental: `${15 + 10 * k} 6-23 * * *` });
}

/** Adds `n` clusters to `app`: one chart each, or all in one chart. */
export function buildFleet(app: App, n: number, target: DeploymentTarget, writeReport = true, oneChart = false): void {
  const fleetChart = oneChart ? new Chart(app, 'fleet') : undefined;
  for (let i = 0; i < n; i++) {
    const chart = fleetChart ?? new Chart(app, `cluster${i}`, { namespace: `team${i % 50}` });
    new IvoryCluster(chart, `pg${i}`, {
      target,
      namespace: `team${i % 50}`,
      backupPlan: { writeReport },
      instances: [{ replicas: 2, dataVolumeSize: Size.gibibytes(20) }],
      repos: [
        BackupRepo.volume({ size: Size.gibibytes(100), schedule: schedule(0), retention: BackupRetention.fullCount(2) }),
        BackupRepo.s3({
          bucket: 'fleet-backups', region: 'eu-west-1', schedule: schedule(1), retention: BackupRetention.fullDays(14),
          credentials: RepoCredentials.s3WebIdentity({ roleArn: 'arn:aws:iam::123456789012:role/pgbackrest' }),
        }),
        BackupRepo.gcs({
          bucket: 'fleet-backups-gcs', schedule: schedule(2), retention: BackupRetention.fullCount(4),
          credentials: RepoCredentials.gcsWorkloadIdentity({ googleServiceAccount: 'pgbackrest@fleet-1.iam.gserviceaccount.com' }),
        }),
        BackupRepo.azure({
          container: 'fleet-backups', schedule: schedule(3), retention: BackupRetention.fullCount(2),
          credentials: RepoCredentials.azureManagedIdentity({ account: 'fleetbackups' }),
        }),
      ],
    });
  }
}
