/** The model both targets render from, built from a cluster's settings and what was added to it. */
import { ClusterModel, ResolvedInstanceSet, ResolvedRepo } from './cluster-model';
import { ClusterSettings } from './settings';
import type { ResolvedUser } from './users';
import type { BackupDeletion } from '../../backup-deletion';
import type { ManualBackup } from '../../manual-backup';
import type { Restore } from '../../restore';
import type { RestoreCheck } from '../../restore-check';
import type { Standby } from '../../standby';
import { cpuCores } from '../kube/resources';
import { resolveTuning } from '../pgbackrest/tuning';

/** What was added to a cluster, in the order it was added. */
export interface ClusterParts {
  readonly instances: readonly ResolvedInstanceSet[];
  /** In index order. */
  readonly repos: readonly ResolvedRepo[];
  readonly restoreFrom?: Restore;
  readonly inPlaceRestore?: Restore;
  readonly standby?: Standby;
  readonly manualBackup?: ManualBackup;
  readonly backupDeletions: readonly BackupDeletion[];
  readonly restoreChecks: readonly RestoreCheck[];
  readonly users: readonly ResolvedUser[];
}

export function buildModel(s: ClusterSettings, parts: ClusterParts): ClusterModel {
  const instances = [...parts.instances];
  // Defaults that depend on the instances: the async queue bound is half the smallest volume WAL is written to,
  // and the backup Jobs' process-max follows their CPU.
  const smallestVolume = Math.min(...instances.map(i =>
    Math.min(i.dataVolumeSize.toKibibytes(), i.walVolumeSize?.toKibibytes() ?? Infinity) * 1024));
  const jobCpu = cpuCores(s.jobs.resources ?? {}) ?? 2;
  const tuning = resolveTuning(s.tuningProps, s.version, jobCpu, Number.isFinite(smallestVolume) ? smallestVolume : 1024 ** 3,
    s.postgresVersion, s.imageBuild);
  return {
    ...s,
    instances,
    repos: [...parts.repos],
    tuning,
    restoreFrom: parts.restoreFrom,
    inPlaceRestore: parts.inPlaceRestore,
    standby: parts.standby,
    manualBackup: parts.manualBackup,
    backupDeletions: [...parts.backupDeletions],
    restoreChecks: [...parts.restoreChecks],
    users: [...parts.users],
  };
}
