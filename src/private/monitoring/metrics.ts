/**
 * The metrics alerts read, by the names pgMonitor gives them: IVYO's exporter exports them, and the standalone
 * target's exporter queries export the same names with the same meaning, so one set of alerts serves both.
 */
import { BackupType } from '../../backup-type';

/** Seconds since the newest backup that counts for `type` completed (a full counts for diff and incr). */
export const SINCE_LAST_BACKUP: { [type: string]: string } = {
  [BackupType.FULL]: 'ccp_backrest_last_full_backup_time_since_completion_seconds',
  [BackupType.DIFFERENTIAL]: 'ccp_backrest_last_diff_backup_time_since_completion_seconds',
  [BackupType.INCREMENTAL]: 'ccp_backrest_last_incr_backup_time_since_completion_seconds',
};
/** Seconds from the last successful archive to a later failed one; 0 while the newest attempt succeeded. */
export const ARCHIVE_FAILING = 'ccp_archive_command_status_seconds_since_last_fail';
/** WAL segments waiting to be archived (standalone exporter only). */
export const ARCHIVE_READY = 'ivory_archive_ready_segments';
/** postgres_exporter's own: 1 while it can reach the database. */
export const EXPORTER_UP = 'pg_up';
/** The label the scrape gives a cluster's series: its name (IVYO's examples relabel the cluster label the same way). */
export const CLUSTER_LABEL = 'pg_cluster';
/** The port the exporter listens on, and its name in the pod. */
export const EXPORTER_PORT = 9187;
export const EXPORTER_PORT_NAME = 'exporter';
