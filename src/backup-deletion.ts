import { checkInput } from './private/input';
import { Problems } from './private/validation';

/** Properties of a {@link BackupDeletion}. */
export interface BackupDeletionProps {
  /** The repo holding the backup. */
  readonly repoName: string;
  /** The backup's label, e.g. `20261101-010000F`, as `pgbackrest info` shows it. */
  readonly backupSet: string;
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
 * Deletes one backup with `pgbackrest expire --set=<label> --repo=<N>` (standalone target: a Job). The Job
 * checks at run time that the backup exists and is the oldest of its repo, unless forced.
 */
export class BackupDeletion {
  /** The repo. */
  public readonly repoName: string;
  /** The backup label. */
  public readonly backupSet: string;
  /** Whether a non-oldest backup may be deleted. */
  public readonly force: boolean;
  /** The explicit opt-in. */
  public readonly confirmDelete: boolean;
  /** What was wrong with the arguments' types, reported under the cluster's field for this value. @internal */
  public readonly _input: Problems;

  constructor(props: BackupDeletionProps) {
    this._input = new Problems();
    // `force: "false"` would be read as true by the Job: flags are checked to be booleans here.
    props = checkInput(this._input, 'BackupDeletionProps', props);
    this.repoName = props.repoName;
    this.backupSet = props.backupSet;
    this.force = props.force ?? false;
    this.confirmDelete = props.confirmDelete;
  }

  /** @internal */
  public _validate(problems: Problems, field: string): void {
    problems.mergeAt(field, this._input);
    if (!/^repo[1-4]$/.test(String(this.repoName))) {
      problems.add(`${field}.repoName`, this.repoName, 'must be one of repo1, repo2, repo3, repo4');
    }
    if (typeof this.backupSet !== 'string' || !/^\d{8}-\d{6}F(_\d{8}-\d{6}[DI])?$/.test(this.backupSet)) {
      problems.add(`${field}.backupSet`, this.backupSet, 'must be a pgBackRest backup label such as 20261101-010000F or 20261101-010000F_20261102-010000I');
    }
    if (this.confirmDelete !== true) {
      problems.add(`${field}.confirmDelete`, this.confirmDelete, 'deleting a backup is destructive; set confirmDelete: true to allow it');
    }
  }
}
