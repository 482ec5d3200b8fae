/** The three pgBackRest backup types. */
export enum BackupType {
  /** A copy of the whole cluster. */
  FULL = 'full',
  /** Files changed since the last full backup. */
  DIFFERENTIAL = 'diff',
  /** Files changed since the last backup of any type. */
  INCREMENTAL = 'incr',
}
