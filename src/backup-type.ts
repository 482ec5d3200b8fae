/**
 * The three pgBackRest backup types (`--type`). The smaller a backup, the more backups a restore reads: a
 * differential needs its full backup, an incremental every backup back to the full one.
 */
export enum BackupType {
  /** A copy of the whole cluster that depends on no other backup (`full`). */
  FULL = 'full',
  /** What changed since the last full backup (`diff`): a restore reads that full backup and this one. */
  DIFFERENTIAL = 'diff',
  /**
   * What changed since the last backup of any type (`incr`): the smallest and quickest, but a restore reads every
   * backup back to the last full one.
   */
  INCREMENTAL = 'incr',
}
