export { IvoryCluster, IvoryClusterProps, DeploymentTarget, BackupJobOptions, ExternalSecretStoreRef, StandaloneOptions } from './ivory-cluster';
export { InstanceSetProps } from './instance-set';
export {
  BackupRepo, BackupRepoOptions, VolumeRepoProps, S3RepoProps, GcsRepoProps, AzureRepoProps, ObjectStoreConnectionOptions,
  S3UriStyle, VolumeAccessMode,
} from './backup-repo';
export { BackupSchedule, BackupScheduleProps, BackupType, ScheduleTimeOptions } from './backup-schedule';
export { BackupRetention, BackupRetentionProps, RetentionOptions, FullRetentionType } from './backup-retention';
export { CredentialSource, CredentialSourceKind, CaCertificate } from './credential-source';
export {
  RepoCredentials, RepoStorage, S3AccessKeyProps, S3WebIdentityProps, S3InstanceRoleProps, GcsWorkloadIdentityProps,
  AzureKeyProps, AzureManagedIdentityProps,
} from './repo-credentials';
export { RepoEncryption } from './repo-encryption';
export { RecoveryTarget, RecoveryTargetOptions, RecoveryTargetType } from './recovery-target';
export {
  Restore, RestoreKind, RestoreOptions, RestoreFromClusterOptions, RestoreFromClusterNameProps, RestoreFromRepoOptions,
  InPlaceRestoreProps,
} from './restore';
export { Standby, StandbyHostProps } from './standby';
export { ManualBackup, ManualBackupProps } from './manual-backup';
export { BackupDeletion, BackupDeletionProps } from './backup-deletion';
export { PgBackRestVersion } from './pgbackrest-version';
export { PgBackRestTuningProps, CompressionType } from './pgbackrest-tuning';
export { TlsCertificates, CertManagerOptions, TlsSecretsProps } from './tls-certificates';
export { BackupPlan, BackupPlanOptions } from './backup-plan';
export { ValidationError } from './validation';
