import { Duration } from 'cdk8s';

/** What to do about backups that would run at the same time. */
export enum CollisionPolicy {
  /** Refuse the configuration at synth. */
  ERROR = 'error',
  /** Report them (in the report and on stderr) and synthesize. */
  WARN = 'warn',
  /** Only report them. */
  IGNORE = 'ignore',
}

/** How long each backup type is expected to take. */
export interface ExpectedBackupDurations {
  /** @default Duration.hours(1) */
  readonly full?: Duration;
  /** @default Duration.minutes(30) */
  readonly differential?: Duration;
  /** @default Duration.minutes(10) */
  readonly incremental?: Duration;
}

/** Options of the backup plan analysis. */
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
   * How far ahead overlaps are looked for.
   * @default Duration.days(35)
   */
  readonly horizon?: Duration;
  /**
   * Write `<namespace>.<cluster>.backup-plan.md` and `.svg` at synth, into the directory the app's settings name
   * (`BackupPlanReports`; by default the app's output directory). `false` never writes this cluster's report; `true`
   * writes it even where the app's settings would not (`Testing.app()`, `cdk8s synth --stdout`).
   * @default - the app's setting (BackupPlanReports): written, except into cdk8s's temporary output directories
   */
  readonly writeReport?: boolean;
}
