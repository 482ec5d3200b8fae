/** What the public repo and credential values carry for the renderers: their storage and secure options. */
import type { Size } from 'cdk8s';
import type { ObjectStoreConnectionOptions, S3UriStyle, VolumeAccessMode } from '../../backup-repo';
import type { CredentialSource } from '../../credential-source';
import type { RepoCredentials, RepoStorage } from '../../repo-credentials';

/** The storage-specific settings of a repo. */
export interface RepoStorageSpec {
  readonly storage: RepoStorage;
  readonly bucket?: string;
  readonly container?: string;
  readonly endpoint?: string;
  readonly region?: string;
  readonly uriStyle?: S3UriStyle;
  readonly connection: ObjectStoreConnectionOptions;
  readonly credentials?: RepoCredentials;
  readonly size?: Size;
  readonly storageClassName?: string;
  readonly accessMode?: VolumeAccessMode;
  /** Object stores: tags on every object written (`repoN-storage-tag`). */
  readonly storageTags?: { [key: string]: string };
  /** S3: SSE-KMS key (`repoN-s3-kms-key-id`). */
  readonly kmsKeyId?: string;
  /** S3: SSE-C key (`repoN-s3-sse-customer-key`, secure). */
  readonly sseCustomerKey?: CredentialSource;
  /** S3: requester pays (`repoN-s3-requester-pays`). */
  readonly requesterPays?: boolean;
  /** GCS: the project billed (`repoN-gcs-user-project`). */
  readonly userProject?: string;
}

/**
 * One pgBackRest secure option fed from a {@link CredentialSource}.
 */
export interface SecureOption {
  /** Option name without the repo index, e.g. `s3-key` (rendered as `repoN-s3-key`). */
  readonly option: string;
  readonly source: CredentialSource;
  /** True when pgBackRest wants a path to a file holding the value (GCS key files). */
  readonly asFile: boolean;
}
