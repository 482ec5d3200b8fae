import { Size } from 'cdk8s';
import { cronProblem, CRON_ALLOWED } from './private/cron/cron';
import { checkInput } from './private/input';
import { RecoveryTarget } from './recovery-target';
import { Problems } from './private/validation';

/** Properties of a {@link RestoreCheck}. */
export interface RestoreCheckProps {
  /** Identifies the check; part of its Job or CronJob name. */
  readonly checkId: string;
  /** The repo whose backups are restored. */
  readonly repoName: string;
  /**
   * Where recovery stops.
   * @default RecoveryTarget.endOfArchive()
   */
  readonly target?: RecoveryTarget;
  /**
   * Run it on a schedule (a CronJob, Kubernetes cron syntax) instead of once (a Job).
   * @default - once
   */
  readonly schedule?: string;
  /**
   * SQL the restored database must answer, e.g. `select count(*) from orders`. Its output is printed.
   * @default select count(*) from pg_class
   */
  readonly query?: string;
  /**
   * The database the query runs in.
   * @default postgres
   */
  readonly database?: string;
  /**
   * Size of the scratch volume the backup is restored into (a generic ephemeral volume, deleted with the pod).
   * @default - the first instance set's data volume size
   */
  readonly volumeSize?: Size;
}

/**
 * Proves backups restorable (standalone target): a Job restores a repo's backup into a scratch volume, recovers it
 * to the target, starts PostgreSQL on it and runs a query. Nothing is archived from the copy and the cluster is
 * not touched. Untested backups are not backups.
 */
export class RestoreCheck {
  /** The id. */
  public readonly checkId: string;
  /** The repo restored from. */
  public readonly repoName: string;
  /** The recovery target. */
  public readonly target: RecoveryTarget;
  /** The cron, if scheduled. */
  public readonly schedule?: string;
  /** The check query. */
  public readonly query: string;
  /** The database of the query. */
  public readonly database: string;
  /** The scratch volume size, if chosen. */
  public readonly volumeSize?: Size;
  /** What was wrong with the arguments' types, reported under the cluster's field for this value. @internal */
  public readonly _input: Problems;

  constructor(props: RestoreCheckProps) {
    this._input = new Problems();
    props = checkInput(this._input, 'RestoreCheckProps', props);
    this.checkId = props.checkId;
    this.repoName = props.repoName;
    this.target = props.target ?? RecoveryTarget.endOfArchive();
    this.schedule = props.schedule;
    this.query = props.query ?? 'select count(*) from pg_class';
    this.database = props.database ?? 'postgres';
    this.volumeSize = props.volumeSize;
  }

  /** @internal */
  public _validate(problems: Problems, field: string): void {
    problems.mergeAt(field, this._input);
    if (typeof this.checkId !== 'string' || !/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/.test(this.checkId)) {
      problems.add(`${field}.checkId`, this.checkId, 'must be 1 to 22 lowercase letters, digits or \'-\', starting and ending with a letter or digit');
    }
    if (!/^repo[1-4]$/.test(String(this.repoName))) problems.add(`${field}.repoName`, this.repoName, 'must be one of repo1, repo2, repo3, repo4');
    if (this.target instanceof RecoveryTarget) this.target._validate(problems, `${field}.target`);
    if (this.schedule !== undefined) {
      const problem = cronProblem(this.schedule);
      if (problem) problems.add(`${field}.schedule`, this.schedule, `${problem}; allowed: ${CRON_ALLOWED}`);
    }
    if (typeof this.query !== 'string' || this.query.trim() === '' || /[\r\n]/.test(this.query)) {
      problems.add(`${field}.query`, this.query, 'must be one line of SQL');
    }
    if (!/^[A-Za-z_][A-Za-z0-9_$]{0,62}$/.test(String(this.database))) {
      problems.add(`${field}.database`, this.database, 'must be a database name');
    }
    if (this.volumeSize !== undefined && !(this.volumeSize instanceof Size && this.volumeSize.toKibibytes() >= 1024)) {
      problems.add(`${field}.volumeSize`, this.volumeSize, 'must be a cdk8s Size of at least 1 MiB');
    }
  }
}
