import { Size } from 'cdk8s';
import { ContainerResources } from 'cdk8s-plus-28';
import type { ClusterSettings } from './settings';
import type { ResolvedUser } from './users';
import { BackupDeletion } from '../../backup-deletion';
import { BackupRepo } from '../../backup-repo';
import { SpreadConstraint } from '../../instance-spread';
import { ManualBackup } from '../../manual-backup';
import { RepoStorage } from '../../repo-credentials';
import { Restore } from '../../restore';
import { RestoreCheck } from '../../restore-check';
import { Standby } from '../../standby';
import { repoIndex } from '../pgbackrest/layout';
import { ResolvedTuning } from '../pgbackrest/tuning';
import { DATA_MOUNT, WAL_MOUNT } from '../postgres/layout';

/**
 * The validated, resolved description of one cluster that both targets render from. Nothing in it depends on
 * the output format.
 */
export interface ClusterModel extends ClusterSettings {
  readonly instances: ResolvedInstanceSet[];
  /** In index order. */
  readonly repos: ResolvedRepo[];
  readonly tuning: ResolvedTuning;
  readonly restoreFrom?: Restore;
  readonly inPlaceRestore?: Restore;
  readonly standby?: Standby;
  readonly manualBackup?: ManualBackup;
  readonly backupDeletions: BackupDeletion[];
  readonly restoreChecks: RestoreCheck[];
  /** Database users, in the order they were added. */
  readonly users: ResolvedUser[];
}

export interface ResolvedInstanceSet {
  readonly name: string;
  readonly statefulSet: string;
  readonly replicas: number;
  readonly dataVolumeSize: Size;
  readonly storageClassName?: string;
  readonly walVolumeSize?: Size;
  readonly walStorageClassName?: string;
  readonly resources?: ContainerResources;
  /** The database container's memory-backed /dev/shm. */
  readonly sharedMemorySize: Size;
  /** Defaults applied. */
  readonly spread: SpreadConstraint[];
  /** Props given that only the standalone target renders: the operator target refuses them (field, value, why). */
  readonly standaloneOnly: { field: string; value: unknown; why: string }[];
}

export interface ResolvedRepo {
  /** `repo1`..`repo4`. */
  readonly name: string;
  /** 1..4 */
  readonly index: number;
  readonly repo: BackupRepo;
  readonly path: string;
  readonly storage: RepoStorage;
  /** The props field it came from, for error messages. */
  readonly field: string;
}

/** The repo replicas are created from: the first; a standby's instances, the one it replays. */
export function replicaRepo(model: ClusterModel): number {
  return model.standby?.repoName ? repoIndex(model.standby.repoName) : model.repos[0].index;
}

/** Data directory of an instance. */
export function pgDataDir(model: ClusterModel): string {
  return `${DATA_MOUNT}/pg${model.postgresVersion}`;
}

/** WAL directory: on the WAL volume when there is one. */
export function pgWalDir(model: ClusterModel, set: ResolvedInstanceSet): string {
  return `${set.walVolumeSize ? WAL_MOUNT : DATA_MOUNT}/pg${model.postgresVersion}_wal`;
}

/** Every instance pod name, primary first. */
export function instancePods(model: ClusterModel): string[] {
  const pods: string[] = [];
  for (const set of model.instances) {
    for (let i = 0; i < set.replicas; i++) pods.push(`${set.statefulSet}-${i}`);
  }
  return pods;
}

/** The standalone primary: the first pod of the first instance set. */
export function primaryPod(model: ClusterModel): string {
  return `${model.instances[0].statefulSet}-0`;
}

/** The volume repos among `repos`: the ones the repo host serves and backup Jobs mount. */
export function volumeRepos(repos: ResolvedRepo[]): ResolvedRepo[] {
  return repos.filter(r => r.storage === RepoStorage.VOLUME);
}

export function hasVolumeRepo(model: ClusterModel): boolean {
  return volumeRepos(model.repos).length > 0;
}
