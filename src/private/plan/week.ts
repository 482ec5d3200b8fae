import type { BackupType } from '../../backup-type';

/** One backup run in the drawn week. */
export interface WeekRun {
  readonly repoName: string;
  readonly backupType: BackupType;
  /** When its CronJob fired. */
  readonly scheduled: number;
  /** When it ran, after waiting for the lock if it had to. */
  readonly start: number;
  readonly stop: number;
  /** It fired while a backup it cannot run beside was expected to run. */
  readonly collides: boolean;
}
