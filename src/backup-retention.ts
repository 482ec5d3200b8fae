import { BackupType } from './backup-type';
import { checkArgument, checkInput, num } from './private/input';
import { checkInteger, Problems } from './private/validation';

/** pgBackRest's upper bound for every retention option. */
const MAX_RETENTION = 9_999_999;

/** How a repo's full backups are retained (`repoN-retention-full-type`): by number, or by a recovery window. */
export enum FullRetentionType {
  /** Keep the newest N full backups (`count`): the repo's size is predictable. */
  COUNT = 'count',
  /**
   * Keep full backups needed to restore to any time in the last N days (`time`): the recovery window is what is
   * promised, however often full backups run.
   */
  TIME = 'time',
}

/**
 * Options shared by both kinds of retention: how many differential backups, how much WAL and how many days of
 * backup history are kept beside the full backups.
 */
export interface RetentionOptions {
  /**
   * Differential backups to keep (`repoN-retention-diff`). Full backups count as differentials for this purpose.
   * @default - differentials expire with their full backup
   */
  readonly differentialBackups?: number;
  /**
   * How many backups of `archiveType` keep their WAL (`repoN-retention-archive`). Older WAL is expired, so
   * point-in-time recovery is only possible after the oldest of them. Required with `archiveType: INCREMENTAL`.
   * @default - WAL is kept for every retained backup
   */
  readonly archiveBackups?: number;
  /**
   * The backup type `archiveBackups` counts (`repoN-retention-archive-type`).
   * @default BackupType.FULL
   */
  readonly archiveType?: BackupType;
  /**
   * Days of backup history manifests to keep (`repoN-retention-history`).
   * @default - pgBackRest keeps them forever
   */
  readonly historyDays?: number;
}

/**
 * Properties of a {@link BackupRetention}, for its constructor; `BackupRetention.fullCount` and `fullDays` say the
 * same more plainly.
 */
export interface BackupRetentionProps extends RetentionOptions {
  /** The full-backup retention number: a count or a number of days, see `fullType`. */
  readonly full: number;
  /**
   * What `full` counts.
   * @default FullRetentionType.COUNT
   */
  readonly fullType?: FullRetentionType;
}

/**
 * Retention of one repo, rendered as pgBackRest's `repoN-retention-*` options and applied by the automatic
 * `expire` that runs after every successful backup.
 *
 * pgBackRest semantics worth knowing:
 * - count: a backup only counts once complete, so with `full: 2` there are briefly three fulls while the
 *   third is taken; the only full backup is never expired.
 * - time: `full: 14` does **not** mean "delete everything older than 14 days". A full backup is expired only
 *   once a newer full backup is itself at least 14 days old, so the oldest full is often much older than 14
 *   days (weekly fulls and 14 days keep 3 to 4 fulls).
 * - differential and incremental backups expire together with the full backup they depend on.
 */
export class BackupRetention {
  /** Keep the newest `count` full backups (and everything that depends on them). */
  public static fullCount(count: number, options: RetentionOptions = {}): BackupRetention {
    return BackupRetention.of('count', count, options, FullRetentionType.COUNT);
  }

  /**
   * Keep enough full backups to restore to any point in the last `days` days (`repoN-retention-full-type=time`).
   * A full backup is expired once a newer full backup is at least `days` days old.
   */
  public static fullDays(days: number, options: RetentionOptions = {}): BackupRetention {
    return BackupRetention.of('days', days, options, FullRetentionType.TIME);
  }

  /** A factory's retention: its argument is reported by its own name (`count`, `days`), not as `full`. */
  private static of(argument: string, full: number, options: RetentionOptions, fullType: FullRetentionType): BackupRetention {
    const input = new Problems();
    const checkedFull = checkArgument(input, argument, full, num);
    const checked = checkInput(input, 'RetentionOptions', options);
    const retention = new BackupRetention({ ...checked, full: checkedFull ?? 1, fullType });
    retention._input.mergeAt('', input);
    return retention;
  }

  /** Full-backup retention number (`repoN-retention-full`): a count or days, see `fullType`. */
  public readonly full: number;
  /** What `full` counts: full backups or days. */
  public readonly fullType: FullRetentionType;
  /** Differential backups kept, if limited. */
  public readonly differentialBackups?: number;
  /** Backups whose WAL is kept, if limited. */
  public readonly archiveBackups?: number;
  /** The type `archiveBackups` counts, if set. */
  public readonly archiveType?: BackupType;
  /** Days of backup history kept, if limited. */
  public readonly historyDays?: number;
  /** What was wrong with the arguments' types, reported under the cluster's field for this value. @internal */
  public readonly _input: Problems;

  /**
   * A retention given as props; values are checked when the repo is given to a cluster.
   * @param props the full-backup retention and the other retention options
   */
  constructor(props: BackupRetentionProps) {
    this._input = new Problems();
    props = checkInput(this._input, 'BackupRetentionProps', props);
    this.full = props.full;
    this.fullType = props.fullType ?? FullRetentionType.COUNT;
    this.differentialBackups = props.differentialBackups;
    this.archiveBackups = props.archiveBackups;
    this.archiveType = props.archiveType;
    this.historyDays = props.historyDays;
  }

  /**
   * The pgBackRest options for repo index `n` (`repoN-retention-*`), as both targets render them; keys are sorted
   * by the INI writer.
   */
  public toOptions(n: number): { [option: string]: string } {
    const options: { [option: string]: string } = {
      [`repo${n}-retention-full`]: String(this.full),
      [`repo${n}-retention-full-type`]: this.fullType,
    };
    if (this.differentialBackups !== undefined) options[`repo${n}-retention-diff`] = String(this.differentialBackups);
    if (this.archiveBackups !== undefined) options[`repo${n}-retention-archive`] = String(this.archiveBackups);
    if (this.archiveType !== undefined) options[`repo${n}-retention-archive-type`] = this.archiveType;
    if (this.historyDays !== undefined) options[`repo${n}-retention-history`] = String(this.historyDays);
    return options;
  }

  /** @internal */
  public _validate(problems: Problems, field: string): void {
    problems.mergeAt(field, this._input);
    checkInteger(problems, `${field}.full`, this.full, 1, MAX_RETENTION);
    if (!Object.values(FullRetentionType).includes(this.fullType)) {
      problems.add(`${field}.fullType`, this.fullType, `must be one of ${Object.values(FullRetentionType).join(', ')}`);
    }
    if (this.differentialBackups !== undefined) checkInteger(problems, `${field}.differentialBackups`, this.differentialBackups, 1, MAX_RETENTION);
    if (this.archiveBackups !== undefined) checkInteger(problems, `${field}.archiveBackups`, this.archiveBackups, 1, MAX_RETENTION);
    if (this.historyDays !== undefined) checkInteger(problems, `${field}.historyDays`, this.historyDays, 0, MAX_RETENTION);
    if (this.archiveType !== undefined && !Object.values(BackupType).includes(this.archiveType)) {
      problems.add(`${field}.archiveType`, this.archiveType, `must be one of ${Object.values(BackupType).join(', ')}`);
    }
    if (this.archiveType === BackupType.INCREMENTAL && this.archiveBackups === undefined) {
      problems.add(`${field}.archiveType`, this.archiveType,
        'repoN-retention-archive-type=incr needs archiveBackups (repoN-retention-archive): pgBackRest refuses it without a count');
    }
  }
}
