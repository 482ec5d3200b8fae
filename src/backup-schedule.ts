import { BackupType } from './backup-type';
import { cronProblem, CRON_ALLOWED, MAX_RUNS_PER_DAY, parseCron, runsPerDay, timeZoneProblem } from './private/cron/cron';
import { checkInput } from './private/input';
import { SCHEDULE_FIELD } from './private/model/backup-types';
import { Problems } from './private/validation';


/**
 * When a repo's backups run: one Kubernetes cron expression per backup type.
 *
 * Expressions use Kubernetes CronJob syntax: 5 fields (minute hour day-of-month month day-of-week) or one of
 * `@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly`.
 */
export interface BackupScheduleProps {
  /**
   * When full backups start.
   * @default - no scheduled full backups
   */
  readonly full?: string;
  /**
   * When differential backups start.
   * @default - no scheduled differential backups
   */
  readonly differential?: string;
  /**
   * When incremental backups start.
   * @default - no scheduled incremental backups
   */
  readonly incremental?: string;
  /**
   * IANA time zone the expressions are read in, e.g. `Europe/Berlin`, so that backups keep to local time across
   * daylight saving changes. Only the standalone target can honour it (CronJob `timeZone`); IVYO creates its
   * CronJobs without one, so the operator target refuses any zone but `UTC`.
   * @default - none: with both targets the CronJobs follow the kube-controller-manager's time zone (usually UTC);
   * the backup plan analysis reads them as UTC
   */
  readonly timeZone?: string;
  /**
   * Suspend the schedules: no backup starts from them until they are resumed, and the plan stays declared (its
   * crons, zone and analysis), so resuming is this flag going back to false. Pausing backups during a migration or
   * an incident, without deleting the plan from code.
   *
   * - standalone: the repo's CronJobs are kept with `suspend: true` (and their Jobs' history). Kubernetes does not
   *   catch up on runs missed while suspended beyond `backupJobs.startingDeadline`.
   * - operator: IVYO's `repos[].schedules` has no suspend field; the only way to stop its CronJobs is to leave the
   *   schedules out of the IvoryCluster, which makes IVYO delete them (with their Jobs) and recreate them when the
   *   schedules come back. That loses them from the CR, so the operator target refuses a suspended schedule
   *   unless the cluster opts in with `backupPlan.operatorSuspend: OperatorSuspend.OMIT_SCHEDULES`.
   *
   * The backup plan analysis still checks the declared schedules (collisions, retention), so that resuming them is
   * safe; its report marks them suspended, and `IvoryBackupLate` watches no suspended schedule.
   * @default false
   */
  readonly suspended?: boolean;
}

/**
 * Hour and minute at which a preset schedule starts its main backup (the full, or the daily differential), to put
 * it in the quietest hour of the database.
 */
export interface ScheduleTimeOptions {
  /**
   * Hour of the day (0-23).
   * @default 1
   */
  readonly hour?: number;
  /**
   * Minute of the hour (0-59).
   * @default 0
   */
  readonly minute?: number;
  /**
   * IANA time zone, standalone target only.
   * @default - see BackupScheduleProps.timeZone
   */
  readonly timeZone?: string;
}

/**
 * The backup schedule of one repo, a value object in the spirit of aws-backup's `BackupPlanRule`: start from a
 * preset, or give one cron expression per backup type.
 *
 * The presets keep backups of one repo from starting together: differential backups run on the days without a
 * full backup, and the hourly incremental that would start 30 minutes after the main backup is left out.
 */
export class BackupSchedule {
  /** A full backup every day: the simplest schedule, for databases small enough to copy whole every day. */
  public static dailyFull(options: ScheduleTimeOptions = {}): BackupSchedule {
    const { hour, minute, input } = time(options);
    return BackupSchedule.preset({ full: `${minute} ${hour} * * *`, timeZone: options?.timeZone }, input);
  }

  /**
   * A full backup every day and an incremental backup every hour in between, 30 minutes past the full backup's
   * minute (at half past with the default time), so that a restore to the latest point replays little WAL.
   */
  public static dailyFullHourlyIncremental(options: ScheduleTimeOptions = {}): BackupSchedule {
    const { hour, minute, input } = time(options);
    return BackupSchedule.preset({
      full: `${minute} ${hour} * * *`,
      incremental: `${(minute + 30) % 60} ${otherHours(hour, minute)} * * *`,
      timeZone: options?.timeZone,
    }, input);
  }

  /**
   * A full backup on Sundays and a differential backup on the other days, at the same time: for databases too
   * large to copy whole every day; a restore reads at most two backups.
   */
  public static weeklyFullDailyDifferential(options: ScheduleTimeOptions = {}): BackupSchedule {
    const { hour, minute, input } = time(options);
    return BackupSchedule.preset({
      full: `${minute} ${hour} * * 0`,
      differential: `${minute} ${hour} * * 1-6`,
      timeZone: options?.timeZone,
    }, input);
  }

  /**
   * Weekly full on Sundays, daily differential on the other days, and hourly incrementals in between, 30 minutes
   * past the main backup's minute: large databases that also need restores that replay little WAL.
   */
  public static weeklyFullDailyDifferentialHourlyIncremental(options: ScheduleTimeOptions = {}): BackupSchedule {
    const { hour, minute, input } = time(options);
    return BackupSchedule.preset({
      full: `${minute} ${hour} * * 0`,
      differential: `${minute} ${hour} * * 1-6`,
      incremental: `${(minute + 30) % 60} ${otherHours(hour, minute)} * * *`,
      timeZone: options?.timeZone,
    }, input);
  }

  /** A preset's schedule, with what was wrong with its options (hour, minute) reported as the preset's fields. */
  private static preset(props: BackupScheduleProps, input: { [field: string]: Problems }): BackupSchedule {
    const schedule = new BackupSchedule(props);
    schedule._input.mergeAt('', input.options);
    return schedule;
  }

  /** Cron for full backups, if any (Kubernetes CronJob syntax). */
  public readonly full?: string;
  /** Cron for differential backups, if any (Kubernetes CronJob syntax). */
  public readonly differential?: string;
  /** Cron for incremental backups, if any (Kubernetes CronJob syntax). */
  public readonly incremental?: string;
  /** IANA time zone the crons are read in, if set (standalone target only). */
  public readonly timeZone?: string;
  /** True when no backup starts from this schedule until it is resumed (`suspended`, `withSuspended`). */
  public readonly suspended: boolean;
  /** What was wrong with the arguments' types, reported under the cluster's field for this value. @internal */
  public readonly _input: Problems;

  /**
   * A schedule of your own, when no preset fits. Expressions are checked when the repo is given to a cluster.
   * @param props one cron expression per backup type to schedule, and the time zone
   */
  constructor(props: BackupScheduleProps) {
    this._input = new Problems();
    props = checkInput(this._input, 'BackupScheduleProps', props);
    this.full = props.full;
    this.differential = props.differential;
    this.incremental = props.incremental;
    this.timeZone = props.timeZone;
    this.suspended = props.suspended ?? false;
  }

  /** The cron expression for one backup type, or undefined when that type is not scheduled. */
  public cronFor(backupType: BackupType): string | undefined {
    switch (backupType) {
      case BackupType.FULL: return this.full;
      case BackupType.DIFFERENTIAL: return this.differential;
      case BackupType.INCREMENTAL: return this.incremental;
      default: return undefined;
    }
  }

  /** Returns a copy with `backupType` scheduled at `cron` and the other types unchanged, e.g. to adjust a preset. */
  public withCron(backupType: BackupType, cron: string): BackupSchedule {
    return new BackupSchedule({
      full: backupType === BackupType.FULL ? cron : this.full,
      differential: backupType === BackupType.DIFFERENTIAL ? cron : this.differential,
      incremental: backupType === BackupType.INCREMENTAL ? cron : this.incremental,
      timeZone: this.timeZone,
      suspended: this.suspended,
    });
  }

  /**
   * Returns a copy suspended (`true`) or resumed (`false`), with the same crons and zone: `schedule.withSuspended(true)`
   * pauses a repo's backups and keeps its plan. See `BackupScheduleProps.suspended` for what each target does.
   */
  public withSuspended(suspended: boolean): BackupSchedule {
    const copy = new BackupSchedule({
      full: this.full, differential: this.differential, incremental: this.incremental, timeZone: this.timeZone, suspended,
    });
    copy._input.mergeAt('', this._input);
    return copy;
  }

  /** @internal */
  public _validate(problems: Problems, field: string): void {
    problems.mergeAt(field, this._input);
    for (const backupType of [BackupType.FULL, BackupType.DIFFERENTIAL, BackupType.INCREMENTAL]) {
      const cron = this.cronFor(backupType);
      if (cron === undefined) continue;
      const problem = cronProblem(cron);
      if (problem) {
        problems.add(`${field}.${SCHEDULE_FIELD[backupType]}`, cron, `${problem}; allowed: ${CRON_ALLOWED}`);
        continue;
      }
      const runs = runsPerDay(parseCron(cron));
      if (runs > MAX_RUNS_PER_DAY) {
        problems.add(`${field}.${SCHEDULE_FIELD[backupType]}`, cron,
          `starts ${runs} backups a day; at most ${MAX_RUNS_PER_DAY} (one every 15 minutes): a backup takes longer than that to start and finish, and WAL archiving covers the time between backups`);
      }
    }
    const zoneProblem = this.timeZone === undefined ? undefined : timeZoneProblem(this.timeZone);
    if (zoneProblem) problems.add(`${field}.timeZone`, this.timeZone, zoneProblem);
  }
}

function time(options: ScheduleTimeOptions): { hour: number; minute: number; input: { [field: string]: Problems } } {
  // Hour and minute are checked here, where their names are known: a bad one would otherwise surface as a cron field.
  const problems = new Problems();
  const checked = checkInput(problems, 'ScheduleTimeOptions', options);
  return { hour: checked.hour ?? 1, minute: checked.minute ?? 0, input: { options: problems } };
}

/** The hours of the day when a half-past job cannot meet a job starting at hour:minute. */
function otherHours(hour: number, minute: number): string {
  // An incremental at (minute+30) in the full's own hour, or the next hour when minute >= 30, is skipped.
  const busy = minute >= 30 ? (hour + 1) % 24 : hour;
  const hours: number[] = [];
  for (let h = 0; h < 24; h++) if (h !== busy) hours.push(h);
  return compactList(hours);
}

/** Renders a sorted list of hours compactly: [0,2,3,4] -> "0,2-4". */
function compactList(values: number[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < values.length) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j] + 1) j++;
    parts.push(j > i ? `${values[i]}-${values[j]}` : `${values[i]}`);
    i = j + 1;
  }
  return parts.join(',');
}
