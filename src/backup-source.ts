/**
 * Which instance a backup reads the database's files from (pgBackRest's `backup-standby`). Reading from a streaming
 * standby keeps a full backup's reads off the primary, which goes on serving writes; pgBackRest still starts and
 * stops the backup on the primary and copies the few files that are not replicated from it.
 */
export enum BackupSource {
  /** Every file from the primary (`backup-standby=n`, pgBackRest's default). */
  PRIMARY = 'primary',
  /**
   * Replicated files from a running streaming standby (`backup-standby=y`); the backup fails when no standby is
   * running, so that a standby-only policy is never silently broken. Needs more than one instance.
   */
  STANDBY = 'standby',
  /**
   * From a standby when one is running, else from the primary with a warning in the backup's log
   * (`backup-standby=prefer`, pgBackRest 2.54 or later).
   */
  PREFER_STANDBY = 'prefer-standby',
}
