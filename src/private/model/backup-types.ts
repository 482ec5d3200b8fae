import { BackupType } from '../../backup-type';

/** Every backup type, in the order pgBackRest's restore chain builds on them. */
export const BACKUP_TYPES: BackupType[] = [BackupType.FULL, BackupType.DIFFERENTIAL, BackupType.INCREMENTAL];

/** The CRD and CronJob suffix for each backup type, as IVYO names them. */
export const SCHEDULE_FIELD: { [type: string]: 'full' | 'differential' | 'incremental' } = {
  [BackupType.FULL]: 'full',
  [BackupType.DIFFERENTIAL]: 'differential',
  [BackupType.INCREMENTAL]: 'incremental',
};
