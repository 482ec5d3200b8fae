import { Duration } from 'cdk8s';

/**
 * What to do about backups that would run at the same time though pgBackRest cannot run them together: the later
 * one waits for the lock (standalone) or fails and is retried (IVYO).
 */
export enum CollisionPolicy {
  /** Refuse the configuration at synth, naming both schedules. */
  ERROR = 'error',
  /** Report them (in the report and on stderr) and synthesize, e.g. while the expected durations are a guess. */
  WARN = 'warn',
  /** Only report them, in the report and `planAnalysis.collisions`. */
  IGNORE = 'ignore',
}

/**
 * What the operator target does with a suspended schedule (`BackupScheduleProps.suspended`): IVYO's
 * `repos[].schedules` has no suspend field, so its CronJobs stop only when the schedules leave the IvoryCluster.
 */
export enum OperatorSuspend {
  /** Refuse a suspended schedule at synth, saying why: the schedules would have to leave the IvoryCluster. */
  REFUSE = 'refuse',
  /**
   * Render the repo without its schedules: IVYO deletes its CronJobs (and their Jobs) and recreates them once the
   * schedule is resumed. The plan stays declared in code and in the backup plan report.
   */
  OMIT_SCHEDULES = 'omit-schedules',
}

/**
 * How long each backup type is expected to take, from 1 minute to 7 days: the backup plan analysis finds
 * overlapping backups with them, so give what your backups really take.
 */
export interface ExpectedBackupDurations {
  /**
   * How long a full backup takes.
   * @default Duration.hours(1)
   */
  readonly full?: Duration;
  /**
   * How long a differential backup takes.
   * @default Duration.minutes(30)
   */
  readonly differential?: Duration;
  /**
   * How long an incremental backup takes.
   * @default Duration.minutes(10)
   */
  readonly incremental?: Duration;
}

/**
 * Options of the backup plan analysis, which checks a cluster's schedules at synth: the expected durations, what
 * an overlap does, and the report.
 */
export interface BackupPlanOptions {
  /**
   * Expected durations, used to find backups that overlap and to draw the week.
   * @default - full 1 h, differential 30 min, incremental 10 min
   */
  readonly expectedDurations?: ExpectedBackupDurations;
  /**
   * Backups of one cluster that pgBackRest cannot run together (same repo; any repos before pgBackRest 2.53).
   * Two schedules starting at the same minute are always refused.
   * @default CollisionPolicy.ERROR
   */
  readonly collisions?: CollisionPolicy;
  /**
   * The Monday (`YYYY-MM-DD`, UTC) the analysis starts on and whose week the report draws. Fixed by default so
   * reports do not change from one synth to the next.
   * @default 2026-01-05
   */
  readonly weekStarting?: string;
  /**
   * How far ahead overlaps are looked for (1 to 400 days), e.g. longer for schedules that meet only on some dates.
   * @default - 8 days when every schedule repeats weekly in UTC (no day-of-month or month), else 35 days
   */
  readonly horizon?: Duration;
  /**
   * Write `<namespace>.<cluster>.backup-plan.md` and `.svg` at synth, into the directory the app's settings name
   * (`BackupPlanReports`; by default the app's output directory). `false` never writes this cluster's report; `true`
   * writes it even where the app's settings would not (`Testing.app()`, `cdk8s synth --stdout`).
   * @default - the app's setting (BackupPlanReports): written, except into cdk8s's temporary output directories
   */
  readonly writeReport?: boolean;
  /**
   * With the operator target, what a suspended schedule does: refused, or left out of the IvoryCluster (IVYO then
   * deletes the repo's CronJobs until the schedule is resumed). The standalone target suspends its CronJobs
   * whatever this says.
   * @default OperatorSuspend.REFUSE
   */
  readonly operatorSuspend?: OperatorSuspend;
}
