import { Size } from 'cdk8s';
import { BackupRetention } from './backup-retention';
import { BackupSchedule } from './backup-schedule';
import { CaCertificate, CredentialSource } from './credential-source';
import { PgBackRestVersion } from './pgbackrest-version';
import { checkArgument, checkInput, instance } from './private/input';
import { RepoStorageSpec } from './private/model/repo-spec';
import { checkRepoPath, REPO_NAMES } from './private/pgbackrest/layout';
import { checkInteger, checkSince, Problems } from './private/validation';
import { RepoCredentials, RepoStorage } from './repo-credentials';
import { RepoEncryption } from './repo-encryption';


/**
 * Options every repo has, whatever its storage: its name and path, and what is kept there and when (retention,
 * schedule, encryption).
 */
export interface BackupRepoOptions {
  /**
   * `repo1` to `repo4`: the index in pgBackRest's options (`repo2-path`). Repos without a name get the lowest free
   * ones, in the order given; name a repo that a conf file (`fromConfSecret`) or another prop refers to.
   * @default - assigned
   */
  readonly name?: string;
  /**
   * The repo path (`repoN-path`): a key prefix in a bucket, a directory on a volume. Give it to read what another
   * cluster wrote (a standby's repo, `Restore.fromRepo`), or to choose where in a shared bucket a cluster writes.
   * @default - `/pgbackrest/<namespace>/<cluster>/repoN` in object stores, so clusters can share a bucket;
   * `/pgbackrest/repoN` on a volume, where the PVC is mounted
   */
  readonly path?: string;
  /**
   * Retention, applied by pgBackRest after every successful backup.
   * @default - no expiry: pgBackRest keeps every backup and warns about it
   */
  readonly retention?: BackupRetention;
  /**
   * When backups to this repo run.
   * @default - no scheduled backups (WAL is still archived to the repo)
   */
  readonly schedule?: BackupSchedule;
  /**
   * Client-side encryption, so that whoever can read the bucket or volume cannot read the backups.
   * @default - not encrypted by pgBackRest
   */
  readonly encryption?: RepoEncryption;
}

/** Access modes a repo volume can be mounted with: the ones its StorageClass offers decide. */
export enum VolumeAccessMode {
  /** One node mounts it read-write; the standalone target runs backup Jobs on the repo host's node. */
  READ_WRITE_ONCE = 'ReadWriteOnce',
  /** Many nodes mount it read-write, so standalone backup Jobs can run on any node. */
  READ_WRITE_MANY = 'ReadWriteMany',
  /**
   * One pod mounts it: standalone backup Jobs could not mount it beside the repo host, so the standalone target
   * refuses it.
   */
  READ_WRITE_ONCE_POD = 'ReadWriteOncePod',
}

/**
 * A repo on a PersistentVolumeClaim, served by a repo host: no object store needed, but the backups stay in the
 * same Kubernetes cluster as the data and are read through their cluster's repo host (a clone with
 * `Restore.fromCluster` can; `Restore.fromRepo` and standbys cannot).
 */
export interface VolumeRepoProps extends BackupRepoOptions {
  /** Requested size of the volume: it holds the retained backups and their archived WAL. */
  readonly size: Size;
  /**
   * StorageClass of the volume. Prefer one with `reclaimPolicy: Retain`, so deleting the claim keeps the data.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * Access mode of the volume.
   * @default VolumeAccessMode.READ_WRITE_ONCE
   */
  readonly accessMode?: VolumeAccessMode;
}

/**
 * How pgBackRest addresses a bucket (`repoN-s3-uri-style`) or an Azure account (`repoN-azure-uri-style`): in the
 * host name, or in the path, for stores without a DNS name per bucket.
 */
export enum S3UriStyle {
  /**
   * `https://<bucket>.<endpoint>/...` (AWS default); an S3 bucket name with `.` is refused with it, as the
   * certificate would not match.
   */
  HOST = 'host',
  /** `https://<endpoint>/<bucket>/...`, which most S3-compatible stores (MinIO) need. */
  PATH = 'path',
}

/**
 * TLS and endpoint options of object stores, for stores not reached at their public endpoint: a private CA, another
 * port, a private link.
 */
export interface ObjectStoreConnectionOptions {
  /**
   * Verify the store's TLS certificate (`repoN-storage-verify-tls`). Turn off only for tests.
   * @default true
   */
  readonly verifyTls?: boolean;
  /**
   * CA bundle to verify the store with (`repoN-storage-ca-file`), for stores with a private CA.
   * @default - the image's system CAs
   */
  readonly caCertificate?: CaCertificate;
  /**
   * Port of the store (`repoN-storage-port`).
   * @default 443
   */
  readonly port?: number;
  /**
   * Host to connect to instead of the endpoint (`repoN-storage-host`), e.g. a private link.
   * @default - the endpoint
   */
  readonly storageHost?: string;
}

/** What every object store can do with the objects pgBackRest writes. */
export interface ObjectStoreOptions {
  /**
   * Tags pgBackRest puts on every object it writes (`repoN-storage-tag`, one `key=value` line per tag; pgBackRest
   * 2.48 or later): S3 object tags, Azure blob index tags, GCS object metadata, e.g. for lifecycle rules or cost
   * reports. pgBackRest cannot change them later, so set them before the stanza is created. A key holds no `=`
   * (pgBackRest splits the line at the first one) and neither holds a line break or leading or trailing spaces
   * (pgBackRest trims them); S3 and Azure take at most 10 tags, keys of 1 to 128 and values of up to 256
   * characters, in their character sets (S3: letters, digits, spaces and `_ . : / = + - @`, no `aws:` prefix;
   * Azure: ASCII letters, digits, spaces and `+ - . / : = _`).
   * @default - no tags
   */
  readonly storageTags?: { [key: string]: string };
}

/** A repo in Amazon S3 or an S3-compatible store (MinIO, Ceph RGW, ...): where, and with which credentials. */
export interface S3RepoProps extends BackupRepoOptions, ObjectStoreConnectionOptions, ObjectStoreOptions {
  /** The bucket. pgBackRest does not create it. */
  readonly bucket: string;
  /** The region, also required by most S3-compatible stores (`us-east-1` for MinIO). */
  readonly region: string;
  /**
   * The endpoint host, without scheme.
   * @default `s3.<region>.amazonaws.com`
   */
  readonly endpoint?: string;
  /**
   * Host or path style addressing; S3-compatible stores often need `S3UriStyle.PATH`.
   * @default S3UriStyle.HOST
   */
  readonly uriStyle?: S3UriStyle;
  /**
   * How pgBackRest authenticates: an access key, a web identity or instance role, or a conf-file Secret
   * (`RepoCredentials.s3...` or `RepoCredentials.fromConfSecret`).
   */
  readonly credentials: RepoCredentials;
  /**
   * Server-side encryption with a KMS key (`repoN-s3-kms-key-id`, SSE-KMS): the store encrypts every object
   * pgBackRest writes with this key, and decrypts it for whoever may use the key. On AWS (an `amazonaws.com`
   * endpoint) a key id, a key ARN, an alias (`alias/<name>`) or an alias ARN, in the bucket's region; with an
   * S3-compatible store, the name its KMS knows the key by (MinIO KES). pgBackRest has it since 2.38, so every
   * supported version. Not with `sseCustomerKey`: a store encrypts an object one way.
   * @default - none requested: the bucket's default encryption applies
   */
  readonly kmsKeyId?: string;
  /**
   * Server-side encryption with a key of yours (`repoN-s3-sse-customer-key`, SSE-C; pgBackRest 2.52 or later): the
   * base64 of a 256-bit key (`openssl rand -base64 32`), sent with every request; the store keeps no copy, so
   * losing the key loses the repo. A secure option: from a CredentialSource like every credential, and with the
   * operator target from an external store or a conf file (`CredentialSource.fromExternalSecret`,
   * `fromConfSecret`), as IVYO reads credentials only from conf files. Restores and clones from the repo read it too.
   * Not with `kmsKeyId`.
   * @default - none
   */
  readonly sseCustomerKey?: CredentialSource;
  /**
   * Requester pays (`repoN-s3-requester-pays=y`; pgBackRest 2.55 or later): every request says that the requester
   * pays for it, as a bucket with requester pays turned on requires of requests from other accounts.
   * @default false
   */
  readonly requesterPays?: boolean;
}

/** A repo in Google Cloud Storage: where, and with which credentials. */
export interface GcsRepoProps extends BackupRepoOptions, ObjectStoreConnectionOptions, ObjectStoreOptions {
  /** The bucket. pgBackRest does not create it. */
  readonly bucket: string;
  /**
   * The endpoint (`repoN-gcs-endpoint`), `host[:port]`, e.g. for an emulator or a private endpoint.
   * @default storage.googleapis.com
   */
  readonly endpoint?: string;
  /**
   * How pgBackRest authenticates: a service-account key file, workload identity, or a conf-file Secret
   * (`RepoCredentials.gcs...` or `RepoCredentials.fromConfSecret`).
   */
  readonly credentials: RepoCredentials;
  /**
   * The project billed for the requests (`repoN-gcs-user-project`, pgBackRest's "GCS project ID used to determine
   * request billing"; pgBackRest 2.55 or later): for a bucket with requester pays turned on, whose requests must name
   * a project to bill. A project id: 6 to 30 lowercase letters, digits and hyphens, starting with a letter (or a
   * domain-scoped `example.com:my-project`).
   * @default - none: the bucket's own project pays, and requests to a requester-pays bucket fail
   */
  readonly userProject?: string;
}

/** A repo in Azure Blob Storage: where, and with which credentials. */
export interface AzureRepoProps extends BackupRepoOptions, ObjectStoreConnectionOptions, ObjectStoreOptions {
  /** The blob container. pgBackRest does not create it. */
  readonly container: string;
  /**
   * The endpoint (`repoN-azure-endpoint`), e.g. for another Azure cloud, Azurite or a private endpoint.
   * @default blob.core.windows.net
   */
  readonly endpoint?: string;
  /**
   * Host style (`<account>.<endpoint>`) or path style (`<endpoint>/<account>`, Azurite and private endpoints).
   * @default S3UriStyle.HOST
   */
  readonly uriStyle?: S3UriStyle;
  /**
   * How pgBackRest authenticates: a shared key, a SAS token, a managed identity, or a conf-file Secret
   * (`RepoCredentials.azure...` or `RepoCredentials.fromConfSecret`).
   */
  readonly credentials: RepoCredentials;
}

/**
 * A pgBackRest repository: where backups and archived WAL of a cluster are kept. WAL is archived to every repo of
 * a cluster; backups are scheduled per repo. Give it to a cluster (`repos`, `addRepo`), or to `Restore.fromRepo`
 * to create a cluster from a repo whose cluster is gone.
 */
export class BackupRepo {
  /**
   * A repo on a PersistentVolumeClaim, mounted by a repo host that the instances reach over TLS: no object store
   * needed, but not readable without its cluster.
   */
  public static volume(props: VolumeRepoProps): BackupRepo {
    const input = new Problems();
    props = checkInput(input, 'VolumeRepoProps', props);
    return new BackupRepo(props, input, {
      storage: RepoStorage.VOLUME,
      connection: {},
      size: props.size,
      storageClassName: props.storageClassName,
      accessMode: props.accessMode ?? VolumeAccessMode.READ_WRITE_ONCE,
    });
  }

  /** A repo in Amazon S3 or an S3-compatible store such as MinIO. */
  public static s3(props: S3RepoProps): BackupRepo {
    const input = new Problems();
    props = checkInput(input, 'S3RepoProps', props);
    return new BackupRepo(props, input, {
      storage: RepoStorage.S3,
      bucket: props.bucket,
      region: props.region,
      endpoint: props.endpoint ?? (typeof props.region === 'string' ? `s3.${props.region}.amazonaws.com` : undefined),
      uriStyle: props.uriStyle,
      connection: props,
      credentials: props.credentials,
      storageTags: props.storageTags,
      kmsKeyId: props.kmsKeyId,
      sseCustomerKey: props.sseCustomerKey,
      requesterPays: props.requesterPays,
    });
  }

  /** A repo in Google Cloud Storage. */
  public static gcs(props: GcsRepoProps): BackupRepo {
    const input = new Problems();
    props = checkInput(input, 'GcsRepoProps', props);
    return new BackupRepo(props, input, {
      storage: RepoStorage.GCS,
      bucket: props.bucket,
      endpoint: props.endpoint,
      connection: props,
      credentials: props.credentials,
      storageTags: props.storageTags,
      userProject: props.userProject,
    });
  }

  /** A repo in Azure Blob Storage. */
  public static azure(props: AzureRepoProps): BackupRepo {
    const input = new Problems();
    props = checkInput(input, 'AzureRepoProps', props);
    return new BackupRepo(props, input, {
      storage: RepoStorage.AZURE,
      container: props.container,
      endpoint: props.endpoint,
      uriStyle: props.uriStyle,
      connection: props,
      credentials: props.credentials,
      storageTags: props.storageTags,
    });
  }

  /** The name asked for, if any; the cluster assigns one otherwise (`IvoryCluster.repoNameOf` tells which). */
  public readonly requestedName?: string;
  /** The path asked for, if any; the cluster's default path otherwise. */
  public readonly requestedPath?: string;
  /** Retention, if any: what pgBackRest expires after each backup. */
  public readonly retention?: BackupRetention;
  /** Schedule, if any: when backups to this repo run. */
  public readonly schedule?: BackupSchedule;
  /** Encryption, if any: pgBackRest's client-side cipher and where its passphrase is. */
  public readonly encryption?: RepoEncryption;
  /** @internal */
  public readonly _storage: RepoStorageSpec;
  /** What was wrong with the props' types, reported under the cluster's field for this repo. @internal */
  public readonly _input: Problems;

  private constructor(options: BackupRepoOptions, input: Problems, storage: RepoStorageSpec) {
    this._input = input;
    this.requestedName = options.name;
    this.requestedPath = options.path;
    this.retention = options.retention;
    this.schedule = options.schedule;
    this.encryption = options.encryption;
    this._storage = storage;
  }

  /** The kind of storage: a volume or an object store. */
  public get storage(): RepoStorage {
    return this._storage.storage;
  }

  /**
   * A copy of this repo with another schedule; this repo is unchanged (used by the schedule stagger helper,
   * `BackupPlanAnalysis.stagger`).
   */
  public withSchedule(schedule: BackupSchedule): BackupRepo {
    const input = new Problems();
    input.mergeAt('', this._input);
    const checked = checkArgument(input, 'schedule', schedule,
      instance(() => BackupSchedule, 'a BackupSchedule (new BackupSchedule({...}) or a preset)'));
    return new BackupRepo({
      name: this.requestedName, path: this.requestedPath, retention: this.retention, schedule: checked, encryption: this.encryption,
    }, input, this._storage);
  }

  /** @internal */
  public _validate(problems: Problems, field: string, version: PgBackRestVersion): void {
    problems.mergeAt(field, this._input);
    const s = this._storage;
    if (this.requestedName !== undefined && !REPO_NAMES.includes(this.requestedName)) {
      problems.add(`${field}.name`, this.requestedName, `must be one of ${REPO_NAMES.join(', ')}`);
    }
    if (this.requestedPath !== undefined) checkRepoPath(problems, `${field}.path`, this.requestedPath);
    this.retention?._validate(problems, `${field}.retention`);
    this.schedule?._validate(problems, `${field}.schedule`);
    this.encryption?._validate(problems, `${field}.encryption`);
    switch (s.storage) {
      case RepoStorage.VOLUME:
        if (!(s.size instanceof Size) || !(s.size.toKibibytes() > 0)) {
          problems.add(`${field}.size`, s.size, 'must be a positive cdk8s Size, e.g. Size.gibibytes(100)');
        }
        if (!Object.values(VolumeAccessMode).includes(s.accessMode as VolumeAccessMode)) {
          problems.add(`${field}.accessMode`, s.accessMode, `must be one of ${Object.values(VolumeAccessMode).join(', ')}`);
        }
        if (s.storageClassName !== undefined && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(s.storageClassName)) {
          problems.add(`${field}.storageClassName`, s.storageClassName, 'must be a DNS-1123 subdomain');
        }
        break;
      case RepoStorage.S3:
        checkS3Bucket(problems, `${field}.bucket`, s.bucket as string, s.uriStyle ?? S3UriStyle.HOST);
        if (typeof s.region !== 'string' || !/^[a-z0-9][-a-z0-9]{0,62}$/.test(s.region)) {
          problems.add(`${field}.region`, s.region, 'must be a region name such as us-east-1 (S3-compatible stores also need one)');
        }
        if (s.endpoint !== undefined) checkEndpoint(problems, `${field}.endpoint`, s.endpoint);
        break;
      case RepoStorage.GCS:
        checkGcsBucket(problems, `${field}.bucket`, s.bucket as string);
        if (s.endpoint !== undefined) checkEndpoint(problems, `${field}.endpoint`, s.endpoint);
        break;
      case RepoStorage.AZURE:
        checkAzureContainer(problems, `${field}.container`, s.container as string);
        if (s.endpoint !== undefined) checkEndpoint(problems, `${field}.endpoint`, s.endpoint);
        break;
    }
    if (s.uriStyle !== undefined && !Object.values(S3UriStyle).includes(s.uriStyle)) {
      problems.add(`${field}.uriStyle`, s.uriStyle, `must be one of ${Object.values(S3UriStyle).join(', ')}`);
    }
    if (s.connection.port !== undefined) checkInteger(problems, `${field}.port`, s.connection.port, 1, 65535);
    if (s.connection.storageHost !== undefined) checkEndpoint(problems, `${field}.storageHost`, s.connection.storageHost);
    s.connection.caCertificate?._validate(problems, `${field}.caCertificate`);
    checkObjectOptions(problems, field, s, version);
    if (s.storage !== RepoStorage.VOLUME) {
      if (!(s.credentials instanceof RepoCredentials)) {
        problems.add(`${field}.credentials`, s.credentials, 'an object-store repo needs RepoCredentials');
      } else {
        s.credentials._validate(problems, `${field}.credentials`, s.storage, version);
        if (s.credentials._spec.confSecret && this.requestedName === undefined) {
          problems.addRaw(`${field}.name`, 'RepoCredentials.fromConfSecret() needs an explicit repo name: the conf file in the Secret names the repo index (repoN-...)');
        }
      }
    }
  }
}

const AWS_ENDPOINT = /(^|\.)amazonaws\.com(\.cn)?$/;

/** The object options of an object-store repo: storage tags, server-side encryption, requester pays. */
function checkObjectOptions(problems: Problems, field: string, s: RepoStorageSpec, version: PgBackRestVersion): void {
  if (s.storageTags !== undefined && checkSince(problems, `${field}.storageTags`, s.storageTags, 'repo-storage-tag', version, 48)) {
    checkStorageTags(problems, `${field}.storageTags`, s.storageTags, s.storage);
  }
  const aws = typeof s.endpoint === 'string' && AWS_ENDPOINT.test(s.endpoint);
  if (s.kmsKeyId !== undefined) checkKmsKeyId(problems, `${field}.kmsKeyId`, s.kmsKeyId, aws ? s.region : undefined);
  if (s.sseCustomerKey !== undefined) {
    if (!(s.sseCustomerKey instanceof CredentialSource)) {
      problems.add(`${field}.sseCustomerKey`, s.sseCustomerKey, 'must be a CredentialSource (CredentialSource.fromSecret, fromExternalSecret or fromConfSecret)');
    } else if (checkSince(problems, `${field}.sseCustomerKey`, 'a CredentialSource', 'repo-s3-sse-customer-key', version, 52)) {
      s.sseCustomerKey._validate(problems, `${field}.sseCustomerKey`);
    }
    if (s.kmsKeyId !== undefined) {
      problems.addRaw(`${field}.sseCustomerKey`, 'takes no kmsKeyId beside it: an object is encrypted either with a KMS key (SSE-KMS) or with a key of yours (SSE-C), and the store refuses a request that asks for both');
    }
  }
  if (s.requesterPays === true) checkSince(problems, `${field}.requesterPays`, true, 'repo-s3-requester-pays', version, 55);
  if (s.userProject !== undefined && checkSince(problems, `${field}.userProject`, s.userProject, 'repo-gcs-user-project', version, 55)) {
    if (typeof s.userProject !== 'string' || !/^([a-z][-a-z0-9.]{0,61}[a-z0-9]:)?[a-z][-a-z0-9]{4,28}[a-z0-9]$/.test(s.userProject)) {
      problems.add(`${field}.userProject`, s.userProject, 'must be a Google Cloud project id: 6 to 30 lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen (or domain-scoped, example.com:my-project)');
    }
  }
}

/**
 * Each tag becomes a line `repoN-storage-tag=key=value` of a conf file, which pgBackRest reads as a hash: the key ends
 * at the first `=`, the line at its break, and both ends are trimmed. S3 and Azure then have rules of their own.
 */
function checkStorageTags(problems: Problems, field: string, tags: { [key: string]: string }, storage: RepoStorage): void {
  const entries = Object.entries(tags);
  if (entries.length === 0) problems.add(field, tags, 'give at least one tag, or leave storageTags out');
  const limited = storage === RepoStorage.S3 || storage === RepoStorage.AZURE;
  if (limited && entries.length > 10) {
    problems.add(field, `${entries.length} tags`, `${storage === RepoStorage.S3 ? 'S3' : 'Azure'} takes at most 10 tags per object`);
  }
  const chars = storage === RepoStorage.S3 ? /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u : storage === RepoStorage.AZURE ? /^[A-Za-z0-9 +\-./:=_]*$/ : undefined;
  const allowed = storage === RepoStorage.S3 ? 'S3 takes letters, digits, spaces and _ . : / = + - @' : 'Azure takes ASCII letters, digits, spaces and + - . / : = _';
  for (const [key, value] of entries) {
    const f = `${field}[${JSON.stringify(key)}]`;
    if (key.length === 0 || key.includes('=') || /[\r\n\0]/.test(key) || key.trim() !== key) {
      problems.add(f, key, 'a tag key is one line without \'=\' (pgBackRest reads repoN-storage-tag=key=value up to the first \'=\' as the key) and without leading or trailing spaces (pgBackRest trims them)');
    } else if (/[\r\n\0]/.test(value) || value.trim() !== value) {
      problems.add(f, value, 'a tag value is one line without leading or trailing spaces (pgBackRest trims them)');
    } else if (limited && (key.length > 128 || value.length > 256)) {
      problems.add(f, key.length > 128 ? key : value, 'tag keys have 1 to 128 characters and values up to 256');
    } else if (chars && (!chars.test(key) || !chars.test(value))) {
      problems.add(f, chars.test(key) ? value : key, allowed);
    } else if (storage === RepoStorage.S3 && /^aws:/i.test(key)) {
      problems.add(f, key, 'the aws: prefix is reserved for AWS\'s own tags');
    }
  }
}

/**
 * A KMS key as S3 takes it in `x-amz-server-side-encryption-aws-kms-key-id`: on AWS (`region` given) a key id, key
 * ARN, alias or alias ARN of the bucket's region; elsewhere a key name the store's KMS knows.
 */
function checkKmsKeyId(problems: Problems, field: string, keyId: string, region: string | undefined): void {
  const keyIdShape = '([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})';
  const alias = 'alias/[a-zA-Z0-9/_-]{1,250}';
  const arn = new RegExp(`^arn:aws[a-z-]*:kms:([a-z0-9-]+):\\d{12}:(key/${keyIdShape}|${alias})$`);
  if (typeof keyId !== 'string') {
    problems.add(field, keyId, 'must be a string');
  } else if (region === undefined) {
    if (!/^[A-Za-z0-9][-A-Za-z0-9_.:/]{0,255}$/.test(keyId)) {
      problems.add(field, keyId, 'must be a KMS key name: up to 256 letters, digits and - _ . : /, starting with a letter or digit');
    }
  } else if (new RegExp(`^(${keyIdShape}|${alias})$`).test(keyId)) {
    // A key id or alias of the bucket's account and region.
  } else {
    const m = arn.exec(keyId);
    if (!m) {
      problems.add(field, keyId, 'must be an AWS KMS key: a key id (1234abcd-12ab-34cd-56ef-1234567890ab or mrk-...), a key ARN (arn:aws:kms:<region>:<account>:key/<id>), an alias (alias/<name>) or an alias ARN');
    } else if (m[1] !== region) {
      problems.add(field, keyId, `is a key of ${m[1]}; S3 encrypts with a KMS key of the bucket's region (${region})`);
    }
  }
}

function checkEndpoint(problems: Problems, field: string, endpoint: string): void {
  if (typeof endpoint !== 'string' || !/^[a-zA-Z0-9]([-a-zA-Z0-9.]*[a-zA-Z0-9])?(:\d{1,5})?$/.test(endpoint)) {
    problems.add(field, endpoint, 'must be a host name or address with an optional :port, without a scheme (pgBackRest always uses https)');
  }
}

/** S3 bucket naming rules (general purpose buckets). */
function checkS3Bucket(problems: Problems, field: string, bucket: string, uriStyle: S3UriStyle): void {
  const rules = 'S3 bucket names have 3 to 63 lowercase letters, digits, \'.\' and \'-\', start and end with a letter or digit, have no \'..\', are not IP addresses and do not start with xn-- or sthree-';
  if (typeof bucket !== 'string' || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || bucket.includes('..')
    || /^\d+\.\d+\.\d+\.\d+$/.test(bucket) || /^(xn--|sthree-)/.test(bucket) || /(-s3alias|--ol-s3)$/.test(bucket)) {
    problems.add(field, bucket, rules);
    return;
  }
  if (bucket.includes('.') && uriStyle === S3UriStyle.HOST) {
    problems.add(field, bucket, 'a bucket name with \'.\' needs uriStyle: S3UriStyle.PATH; with host style the TLS certificate (*.s3...) does not match it');
  }
}

function checkGcsBucket(problems: Problems, field: string, bucket: string): void {
  const ok = typeof bucket === 'string' && /^[a-z0-9][a-z0-9._-]*[a-z0-9]$/.test(bucket)
    && (bucket.includes('.') ? bucket.length <= 222 && bucket.split('.').every(p => p.length >= 1 && p.length <= 63) : bucket.length >= 3 && bucket.length <= 63)
    && bucket.length >= 3 && !/^goog/.test(bucket) && !/g(o|0)(o|0)gle/.test(bucket) && !/^\d+\.\d+\.\d+\.\d+$/.test(bucket);
  if (!ok) {
    problems.add(field, bucket, 'GCS bucket names have 3 to 63 lowercase letters, digits, \'-\', \'_\' and \'.\' (222 with dots), start and end with a letter or digit, do not start with "goog" or contain "google"');
  }
}

function checkAzureContainer(problems: Problems, field: string, container: string): void {
  if (typeof container !== 'string' || !/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(container)) {
    problems.add(field, container, 'Azure container names have 3 to 63 lowercase letters, digits and single \'-\', starting and ending with a letter or digit');
  }
}
