import { Construct } from 'constructs';
import { checkInput } from './private/input';
import { isRepoName } from './private/pgbackrest/layout';
import { Problems } from './private/validation';

/** Properties of a {@link BackupDeletion}: which backup of which repo, and the explicit opt-ins. */
export interface BackupDeletionProps {
  /** The repo holding the backup: one of the cluster's, `repo1`..`repo4`. */
  readonly repoName: string;
  /**
   * The backup's label, as `pgbackrest info` shows it: `20261101-010000F` for a full backup,
   * `20261101-010000F_20261102-010000I` (or `...D`) for an incremental (or differential) one. Give it, or `oldest`.
   * @default - none: `oldest` must be true
   */
  readonly backupSet?: string;
  /**
   * Delete the repo's oldest full backup and every backup that depends on it, whatever retention says, with
   * `pgbackrest expire --oldest` (pgBackRest 2.58 or later) instead of naming it: pgBackRest lowers the repo's
   * retention by one full for this run (count-based, also when the repo's retention is time-based) and expires the
   * WAL that only the deleted backups needed. A repo with a single full backup keeps it: the Job fails, saying so.
   * Not with `backupSet` (pgBackRest refuses `--oldest` with `--set`) or `force` (the oldest is never a newer one).
   *
   * Each run deletes another full backup, so the Job is kept after it finishes (no `backupJobs.ttlAfterFinished`):
   * re-applying the app finds it done instead of creating it again. Remove the deletion once it has run; declare
   * it again to delete the next oldest.
   * @default false
   */
  readonly oldest?: boolean;
  /**
   * Must be true: deleting a backup removes it and every backup that depends on it, and the point-in-time
   * recovery range they covered.
   */
  readonly confirmDelete: boolean;
  /**
   * Allow deleting a backup that is not the oldest of the repo. Deleting a newer one leaves a hole in the
   * recovery window and can make retention keep the wrong backups, so the Job refuses it unless forced.
   * @default false
   */
  readonly force?: boolean;
}

/**
 * Deletes one backup with `pgbackrest expire --set=<label> --repo=<N>`, or the repo's oldest full backup with
 * `pgbackrest expire --oldest --repo=<N>` (standalone target: a Job), for a backup that retention would keep but
 * must go (a bad backup, data that must be erased, a repo that is full). The Job checks at run time that the backup
 * exists and is the oldest of its repo, unless forced. Add it with `cluster.addBackupDeletion(id, props)` (or the
 * cluster's `backupDeletions` prop).
 */
export class BackupDeletion extends Construct {
  /**
   * Checks deletion props on their own (the repo's existence is checked by the cluster at synth).
   * @internal
   */
  public static _check(problems: Problems, field: string, props: BackupDeletionProps): BackupDeletionProps {
    const input = new Problems();
    // `force: "false"` would be read as true by the Job: flags are checked to be booleans here.
    props = checkInput(input, 'BackupDeletionProps', props);
    problems.mergeAt(field, input);
    const at = (f: string) => (field === '' ? f : `${field}.${f}`);
    if (!isRepoName(props.repoName)) {
      problems.add(at('repoName'), props.repoName, 'must be one of repo1, repo2, repo3, repo4');
    }
    if (props.oldest === true) {
      if (props.backupSet !== undefined) {
        problems.add(at('backupSet'), props.backupSet, 'give either backupSet or oldest: true, not both (pgBackRest refuses --oldest with --set)');
      }
      if (props.force === true) {
        problems.add(at('force'), true, 'has no meaning with oldest: true, which only ever deletes the oldest full backup; leave it out');
      }
    } else if (props.backupSet === undefined) {
      problems.add(at('backupSet'), undefined, 'name the backup to delete (its label, e.g. 20261101-010000F), or set oldest: true to delete the oldest full backup');
    } else if (typeof props.backupSet !== 'string' || !/^\d{8}-\d{6}F(_\d{8}-\d{6}[DI])?$/.test(props.backupSet)) {
      problems.add(at('backupSet'), props.backupSet, 'must be a pgBackRest backup label such as 20261101-010000F or 20261101-010000F_20261102-010000I');
    }
    if (props.confirmDelete !== true) {
      problems.add(at('confirmDelete'), props.confirmDelete, 'deleting a backup is destructive; set confirmDelete: true to allow it');
    }
    return props;
  }

  /** The repo the backup is deleted from. */
  public readonly repoName: string;
  /** The label of the backup deleted (with every backup that depends on it), unless `oldest`. */
  public readonly backupSet?: string;
  /** True when the repo's oldest full backup is deleted (`pgbackrest expire --oldest`) rather than a named one. */
  public readonly oldest: boolean;
  /** Whether a backup that is not the oldest of its repo may be deleted. */
  public readonly force: boolean;
  /** The explicit opt-in: always true for a declared deletion. */
  public readonly confirmDelete: boolean;

  /**
   * Declares the deletion of a backup of the cluster `scope`; props are checked here, the repo at synth.
   * @param scope the IvoryCluster whose backup is deleted
   * @param id the construct id
   * @param props the repo, the backup's label and the opt-ins
   */
  constructor(scope: Construct, id: string, props: BackupDeletionProps) {
    super(scope, id);
    const problems = new Problems();
    props = BackupDeletion._check(problems, '', props);
    problems.throwIfAny(this);
    this.repoName = props.repoName;
    this.backupSet = props.backupSet;
    this.oldest = props.oldest ?? false;
    this.force = props.force ?? false;
    this.confirmDelete = props.confirmDelete;
  }
}
