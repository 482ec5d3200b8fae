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
