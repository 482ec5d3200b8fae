import { checkArgument, checkInput, date as dateKind, str } from './private/input';
import { isShellLiteral, ivyoShellWords, SHELL_LITERAL_ALLOWED } from './private/operator/ivyo-shell';
import { checkTimestamp, normaliseTimestamp } from './private/timestamp';
import { Problems, throwValidationError } from './private/validation';

/** Where recovery stops: pgBackRest's restore `--type`, as a RecoveryTarget's factory sets it. */
export enum RecoveryTargetType {
  /** Replay all archived WAL (`--type=default`): the latest state the repo has. */
  END_OF_ARCHIVE = 'default',
  /** Stop as soon as the backup is consistent (`--type=immediate`): the state at the end of the backup. */
  IMMEDIATE = 'immediate',
  /** Stop at a point in time (`--type=time`), e.g. just before a bad change. */
  TIME = 'time',
  /** Stop at a transaction id (`--type=xid`), e.g. the last good transaction. */
  TRANSACTION_ID = 'xid',
  /** Stop at a WAL location (`--type=lsn`), e.g. one `pg_current_wal_lsn()` returned. */
  LSN = 'lsn',
  /** Stop at a restore point made with `pg_create_restore_point()` (`--type=name`), e.g. before a migration. */
  RESTORE_POINT = 'name',
}

/**
 * Options of a recovery target: which backup to start from, whether the target itself is replayed, and which
 * timeline to follow (after an earlier restore or failover).
 */
export interface RecoveryTargetOptions {
  /**
   * The backup set to restore from (`--set`), e.g. `20261126-010000F`. Needed for transaction-id and
   * restore-point targets older than the newest backup.
   * @default - pgBackRest picks the newest backup that ends before a time or LSN target, else the newest one
   */
  readonly backupSet?: string;
  /**
   * Stop just before the target instead of just after it (`--target-exclusive`); time, xid and LSN targets only.
   * @default false
   */
  readonly exclusive?: boolean;
  /**
   * Timeline to recover along (`--target-timeline`): `current`, `latest` or a number.
   * @default - PostgreSQL's default: `latest` (PostgreSQL 12 and later; `current` before)
   */
  readonly timeline?: string;
}


/**
 * A typed point-in-time recovery target, rendered as pgBackRest `restore` options for both targets. Give it to a
 * restore or a restore check (`target`); the factories refuse targets that pgBackRest or PostgreSQL would misread.
 */
export class RecoveryTarget {
  /** Replay every archived WAL segment: the latest state the repo has, and the default of every restore. */
  public static endOfArchive(options: RecoveryTargetOptions = {}): RecoveryTarget {
    return new RecoveryTarget(RecoveryTargetType.END_OF_ARCHIVE, undefined, options);
  }

  /** Stop once the restored backup is consistent, replaying as little WAL as possible: the quickest restore. */
  public static immediate(options: RecoveryTargetOptions = {}): RecoveryTarget {
    return new RecoveryTarget(RecoveryTargetType.IMMEDIATE, undefined, options);
  }

  /**
   * Restore exactly one backup set and stop when it is consistent, to get back the state of a known backup; the
   * label as `pgbackrest info` shows it, e.g. `20261126-010000F`.
   */
  public static fromBackupSet(label: string): RecoveryTarget {
    const input = new Problems();
    const checked = checkArgument(input, 'backupSet', label, str);
    return new RecoveryTarget(RecoveryTargetType.IMMEDIATE, undefined, { backupSet: checked }, input);
  }

  /**
   * Stop at a time with an explicit zone, `2026-11-26 14:15:11+01`, `2026-11-26T13:15:11.5Z` or
   * `2026-11-26 14:15:11-04:00`. A time without a zone would be read in the server's zone, so it is refused.
   */
  public static time(timestamp: string, options: RecoveryTargetOptions = {}): RecoveryTarget {
    const input = new Problems();
    return new RecoveryTarget(RecoveryTargetType.TIME, checkArgument(input, 'time', timestamp, str), options, input);
  }

  /** Stop at a time given as a JavaScript Date (rendered in UTC). */
  public static date(date: Date, options: RecoveryTargetOptions = {}): RecoveryTarget {
    const input = new Problems();
    const checked = checkArgument(input, 'time', date, dateKind);
    const iso = checked ? checked.toISOString().replace('T', ' ').replace('Z', '+00') : undefined;
    return new RecoveryTarget(RecoveryTargetType.TIME, iso, options, input);
  }

  /**
   * Stop at a transaction id, a positive whole number; for one older than the newest backup, give `backupSet`
   * too, as pgBackRest does not pick the backup for it.
   */
  public static transactionId(xid: string, options: RecoveryTargetOptions = {}): RecoveryTarget {
    const input = new Problems();
    // A JavaScript number is taken as the id it spells; anything else must be a string.
    const text = typeof xid === 'number' && Number.isSafeInteger(xid) ? String(xid) : checkArgument(input, 'transactionId', xid, str);
    return new RecoveryTarget(RecoveryTargetType.TRANSACTION_ID, text, options, input);
  }

  /** Stop at a WAL location such as `0/3000028`. */
  public static lsn(lsn: string, options: RecoveryTargetOptions = {}): RecoveryTarget {
    const input = new Problems();
    return new RecoveryTarget(RecoveryTargetType.LSN, checkArgument(input, 'lsn', lsn, str), options, input);
  }

  /**
   * Stop at a named restore point, made with `pg_create_restore_point()`; for one older than the newest backup,
   * give `backupSet` too.
   */
  public static restorePoint(name: string, options: RecoveryTargetOptions = {}): RecoveryTarget {
    const input = new Problems();
    return new RecoveryTarget(RecoveryTargetType.RESTORE_POINT, checkArgument(input, 'restorePoint', name, str), options, input);
  }

  /** The kind of target (pgBackRest's `--type`). */
  public readonly targetType: RecoveryTargetType;
  /** The target value (time, xid, LSN or name), if the kind has one (`--target`). */
  public readonly target?: string;
  /** The backup set restored from, if chosen (`--set`). */
  public readonly backupSet?: string;
  /** Whether the target itself is excluded (`--target-exclusive`). */
  public readonly exclusive: boolean;
  /** The timeline, if chosen (`--target-timeline`). */
  public readonly timeline?: string;
  /** What was wrong with the arguments' types, reported under the cluster's field for this value. @internal */
  public readonly _input: Problems;

  private constructor(targetType: RecoveryTargetType, target: string | undefined, options: RecoveryTargetOptions, input = new Problems()) {
    this._input = input;
    options = checkInput(input, 'RecoveryTargetOptions', options);
    this.targetType = targetType;
    this.target = target;
    this.backupSet = options.backupSet;
    this.exclusive = options.exclusive ?? false;
    this.timeline = options.timeline;
  }

  /** True when recovery stops before the end of the archive, so the server must be promoted afterwards. */
  public get stopsEarly(): boolean {
    return this.targetType !== RecoveryTargetType.END_OF_ARCHIVE;
  }

  /**
   * The pgBackRest `restore` arguments, one per array item, for commands run as an argument vector.
   * Time targets are normalised to `YYYY-MM-DD HH:MM:SS[.ffffff]+HH[:MM]`.
   */
  public toArguments(): string[] {
    const args = [`--type=${this.targetType}`];
    if (this.target !== undefined) args.push(`--target=${this.normalisedTarget()}`);
    if (this.exclusive) args.push('--target-exclusive');
    if (this.timeline !== undefined) args.push(`--target-timeline=${this.timeline}`);
    if (this.backupSet !== undefined) args.push(`--set=${this.backupSet}`);
    return args;
  }

  /**
   * The same options as IVYO expects them in `options`: its restore script re-parses the list with the shell,
   * so a target with spaces is double-quoted, as in IVYO's documentation (`--target="2021-06-09 14:15:11-04"`).
   * Rendered by the one function that decides what reaches IVYO's shell; throws a ValidationError for a target
   * that `_validate` would refuse.
   */
  public toOperatorOptions(): string[] {
    const problems = new Problems();
    problems.mergeAt('target', this._input);
    if (!problems.isEmpty) throwValidationError('RecoveryTarget', problems.messages);
    const words = ivyoShellWords(problems, 'target', this.toArguments());
    if (!problems.isEmpty) throwValidationError('RecoveryTarget', problems.messages);
    return words;
  }

  private normalisedTarget(): string {
    if (this.targetType !== RecoveryTargetType.TIME || this.target === undefined) return this.target as string;
    return normaliseTimestamp(this.target);
  }

  /** @internal */
  public _validate(problems: Problems, field: string): void {
    problems.mergeAt(field, this._input);
    const value = this.target;
    switch (this.targetType) {
      case RecoveryTargetType.TIME:
        checkTimestamp(problems, `${field}.time`, value);
        break;
      case RecoveryTargetType.TRANSACTION_ID:
        if (typeof value !== 'string' || !/^\d{1,20}$/.test(value) || value === '0') {
          problems.add(`${field}.transactionId`, value, 'must be a positive whole number');
        }
        break;
      case RecoveryTargetType.LSN:
        if (typeof value !== 'string' || !/^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/.test(value)) {
          problems.add(`${field}.lsn`, value, 'must be a WAL location such as 0/3000028');
        }
        break;
      case RecoveryTargetType.RESTORE_POINT:
        // The name reaches IVYO's shell: only characters bash takes literally (PostgreSQL allows 63 bytes).
        if (typeof value !== 'string' || value.length > 63 || !isShellLiteral(value)) {
          problems.add(`${field}.restorePoint`, value, `must be 1 to 63 ${SHELL_LITERAL_ALLOWED} (IVYO runs restore options through bash)`);
        }
        break;
    }
    if (this.backupSet !== undefined && !/^\d{8}-\d{6}F(_\d{8}-\d{6}[DI])?$/.test(this.backupSet)) {
      problems.add(`${field}.backupSet`, this.backupSet, 'must be a pgBackRest backup label such as 20261126-010000F or 20261126-010000F_20261127-010000D');
    }
    if (this.exclusive && ![RecoveryTargetType.TIME, RecoveryTargetType.TRANSACTION_ID, RecoveryTargetType.LSN].includes(this.targetType)) {
      problems.add(`${field}.exclusive`, this.exclusive, `only time, transaction id and LSN targets can be exclusive, not ${this.targetType}`);
    }
    if (this.timeline !== undefined && !/^(current|latest|[1-9]\d*|0x[0-9A-Fa-f]+)$/.test(this.timeline)) {
      problems.add(`${field}.timeline`, this.timeline, 'must be current, latest or a timeline number');
    }
  }
}
