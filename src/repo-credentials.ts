import { CredentialSource } from './credential-source';
import { PgBackRestVersion } from './pgbackrest-version';
import { checkArgument, checkInput, credentialSource, str } from './private/input';
import { SecureOption } from './private/model/repo-spec';
import { checkDnsSubdomain, Problems } from './private/validation';

/** The kinds of storage a repo can be on (`BackupRepo.storage`), and the kind RepoCredentials are for. */
export enum RepoStorage {
  /** A PersistentVolumeClaim on a repo host (pgBackRest's default `repoN-type=posix`); needs no credentials. */
  VOLUME = 'volume',
  /** Amazon S3 or an S3-compatible store (MinIO, Ceph RGW, ...): `repoN-type=s3`. */
  S3 = 's3',
  /** Google Cloud Storage: `repoN-type=gcs`. */
  GCS = 'gcs',
  /** Azure Blob Storage: `repoN-type=azure`. */
  AZURE = 'azure',
}

interface CredentialsSpec {
  readonly storage?: RepoStorage;
  readonly description: string;
  readonly options?: { [option: string]: string };
  readonly secureOptions?: SecureOption[];
  readonly serviceAccountAnnotations?: { [key: string]: string };
  readonly podLabels?: { [key: string]: string };
  readonly confSecret?: { name: string; key: string };
  readonly minVersion?: [number, number];
}

/**
 * How pgBackRest authenticates to a repo's object store. No factory puts a credential value in the manifests:
 * values come from Secrets, an external store or the platform's workload identity. Where the platform offers a
 * workload identity, prefer it: then no key exists to leak or rotate.
 */
export class RepoCredentials {
  /**
   * S3 access key pair (`repoN-s3-key-type=shared`), with an optional session token: for S3-compatible stores and
   * where no workload identity is available.
   */
  public static s3AccessKey(props: S3AccessKeyProps): RepoCredentials {
    const input = new Problems();
    props = checkInput(input, 'S3AccessKeyProps', props);
    const secureOptions: SecureOption[] = [
      { option: 's3-key', source: props.accessKeyId, asFile: false },
      { option: 's3-key-secret', source: props.secretAccessKey, asFile: false },
    ];
    if (props.sessionToken !== undefined) secureOptions.push({ option: 's3-token', source: props.sessionToken, asFile: false });
    // A source refused for its type is reported by checkInput; it is not rendered.
    secureOptions.splice(0, secureOptions.length, ...secureOptions.filter(o => o.source !== undefined));
    return new RepoCredentials({
      storage: RepoStorage.S3, description: 'RepoCredentials.s3AccessKey', options: { 's3-key-type': 'shared' }, secureOptions,
    }, input);
  }

  /**
   * EKS IAM roles for service accounts (`repoN-s3-key-type=web-id`): the pods' ServiceAccount carries the
   * `eks.amazonaws.com/role-arn` annotation and EKS injects the token; no key exists anywhere.
   */
  public static s3WebIdentity(props: S3WebIdentityProps): RepoCredentials {
    const input = new Problems();
    props = checkInput(input, 'S3WebIdentityProps', props);
    return new RepoCredentials({
      storage: RepoStorage.S3,
      description: 'RepoCredentials.s3WebIdentity',
      options: { 's3-key-type': 'web-id' },
      serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': props.roleArn },
    }, input);
  }

  /**
   * The node's or task's instance role (`repoN-s3-key-type=auto`), optionally naming the role: for nodes whose
   * instance profile may use the bucket.
   */
  public static s3InstanceRole(props: S3InstanceRoleProps = {}): RepoCredentials {
    const input = new Problems();
    props = checkInput(input, 'S3InstanceRoleProps', props);
    const options: { [option: string]: string } = { 's3-key-type': 'auto' };
    if (props.roleName) options['s3-role'] = props.roleName;
    return new RepoCredentials({ storage: RepoStorage.S3, description: 'RepoCredentials.s3InstanceRole', options }, input);
  }

  /**
   * A GCS service-account JSON key file (`repoN-gcs-key-type=service`), projected into the pod as a file: for
   * Kubernetes clusters outside GKE or without workload identity.
   */
  public static gcsServiceAccountKey(keyFile: CredentialSource): RepoCredentials {
    const input = new Problems();
    const checked = checkArgument(input, 'keyFile', keyFile, credentialSource);
    return new RepoCredentials({
      storage: RepoStorage.GCS,
      description: 'RepoCredentials.gcsServiceAccountKey',
      options: { 'gcs-key-type': 'service' },
      secureOptions: checked ? [{ option: 'gcs-key', source: checked, asFile: true }] : [],
    }, input);
  }

  /**
   * GKE workload identity (`repoN-gcs-key-type=auto`): the pods' ServiceAccount is annotated with the Google
   * service account it acts as.
   */
  public static gcsWorkloadIdentity(props: GcsWorkloadIdentityProps): RepoCredentials {
    const input = new Problems();
    props = checkInput(input, 'GcsWorkloadIdentityProps', props);
    return new RepoCredentials({
      storage: RepoStorage.GCS,
      description: 'RepoCredentials.gcsWorkloadIdentity',
      options: { 'gcs-key-type': 'auto' },
      serviceAccountAnnotations: { 'iam.gke.io/gcp-service-account': props.googleServiceAccount },
    }, input);
  }

  /** An Azure storage account shared key (`repoN-azure-key-type=shared`): full access to the storage account. */
  public static azureSharedKey(props: AzureKeyProps): RepoCredentials {
    const input = new Problems();
    props = checkInput(input, 'AzureKeyProps', props);
    return new RepoCredentials({
      storage: RepoStorage.AZURE,
      description: 'RepoCredentials.azureSharedKey',
      options: { 'azure-account': props.account, 'azure-key-type': 'shared' },
      secureOptions: props.key !== undefined ? [{ option: 'azure-key', source: props.key, asFile: false }] : [],
    }, input);
  }

  /**
   * An Azure shared access signature (`repoN-azure-key-type=sas`), the token without its leading `?`: access
   * limited to what the token grants, until it expires.
   */
  public static azureSas(props: AzureKeyProps): RepoCredentials {
    const input = new Problems();
    props = checkInput(input, 'AzureKeyProps', props);
    return new RepoCredentials({
      storage: RepoStorage.AZURE,
      description: 'RepoCredentials.azureSas',
      options: { 'azure-account': props.account, 'azure-key-type': 'sas' },
      secureOptions: props.key !== undefined ? [{ option: 'azure-key', source: props.key, asFile: false }] : [],
    }, input);
  }

  /**
   * Azure workload identity (`repoN-azure-key-type=auto`, pgBackRest 2.58 or later): pods get the
   * `azure.workload.identity/use` label and the ServiceAccount the managed identity's client id.
   */
  public static azureManagedIdentity(props: AzureManagedIdentityProps): RepoCredentials {
    const input = new Problems();
    props = checkInput(input, 'AzureManagedIdentityProps', props);
    return new RepoCredentials({
      storage: RepoStorage.AZURE,
      description: 'RepoCredentials.azureManagedIdentity',
      options: { 'azure-account': props.account, 'azure-key-type': 'auto' },
      serviceAccountAnnotations: props.clientId ? { 'azure.workload.identity/client-id': props.clientId } : {},
      podLabels: { 'azure.workload.identity/use': 'true' },
      minVersion: [2, 58],
    }, input);
  }

  /**
   * A Secret holding a whole pgBackRest conf file with all of the repo's credentials (IVYO's own way): for example
   * key `s3.conf` with `[global]` / `repo1-s3-key=...` / `repo1-s3-key-secret=...`. It is projected into
   * `/etc/pgbackrest/conf.d` (with both targets). The file names the repo index, so the repo needs an explicit
   * `name`, and that name is kept wherever the repo is read, also as a restore source (`Restore.fromRepo`).
   *
   * The key defaults to `pgbackrest.conf`; IVYO's examples use `s3.conf`, `gcs.conf` or `azure.conf`, so pass the
   * key your Secret has: `RepoCredentials.fromConfSecret('hippo-s3-creds', 's3.conf')`. For a single value in a conf
   * file (say, only the encryption passphrase), use `CredentialSource.fromConfSecret` instead.
   * @param secretName the Secret's name, in the cluster's namespace
   * @param key the Secret's key holding the conf file; must end in `.conf`
   */
  public static fromConfSecret(secretName: string, key: string = 'pgbackrest.conf'): RepoCredentials {
    const input = new Problems();
    const name = checkArgument(input, 'secretName', secretName, str) as string;
    const checkedKey = checkArgument(input, 'key', key, str) ?? 'pgbackrest.conf';
    return new RepoCredentials({ description: 'RepoCredentials.fromConfSecret', confSecret: { name, key: checkedKey } }, input);
  }

  /** @internal */
  public readonly _spec: CredentialsSpec;

  /** What was wrong with the props' types, reported under the repo's `credentials` field. @internal */
  public readonly _input: Problems;

  private constructor(spec: CredentialsSpec, input: Problems) {
    this._spec = spec;
    this._input = input;
  }

  /**
   * The storage these credentials are for, which the repo's storage must match; undefined for a conf-file Secret,
   * which suits any.
   */
  public get storage(): RepoStorage | undefined {
    return this._spec.storage;
  }

  /** @internal */
  public _validate(problems: Problems, field: string, storage: RepoStorage, version: PgBackRestVersion): void {
    problems.mergeAt(field, this._input);
    const spec = this._spec;
    if (spec.storage !== undefined && spec.storage !== storage) {
      problems.add(field, spec.description, `these are ${spec.storage} credentials; a ${storage} repo needs RepoCredentials.${storage}...() or RepoCredentials.fromConfSecret()`);
    }
    if (spec.minVersion && !version.atLeast(spec.minVersion[0], spec.minVersion[1])) {
      problems.add(field, spec.description, `needs pgBackRest ${spec.minVersion.join('.')} or later; pgbackrestVersion is ${version}`);
    }
    for (const secure of spec.secureOptions ?? []) secure.source._validate(problems, `${field}.${camel(secure.option)}`);
    if (spec.confSecret) {
      checkDnsSubdomain(problems, `${field}.secretName`, spec.confSecret.name);
      if (!/^[-._a-zA-Z0-9]+\.conf$/.test(spec.confSecret.key)) {
        problems.add(`${field}.key`, spec.confSecret.key, 'must be a Secret key ending in .conf: pgBackRest only reads *.conf from its include path');
      }
    }
    const arn = spec.serviceAccountAnnotations?.['eks.amazonaws.com/role-arn'];
    if (arn !== undefined && !/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\/-]+$/.test(arn)) {
      problems.add(`${field}.roleArn`, arn, 'must be an IAM role ARN: arn:aws:iam::<12-digit account>:role/<name>');
    }
    const gsa = spec.serviceAccountAnnotations?.['iam.gke.io/gcp-service-account'];
    if (gsa !== undefined && !/^[a-z][-a-z0-9]{4,28}[a-z0-9]@[-a-z0-9.]+\.iam\.gserviceaccount\.com$/.test(gsa)) {
      problems.add(`${field}.googleServiceAccount`, gsa, 'must be a Google service account email: <name>@<project>.iam.gserviceaccount.com');
    }
    // Written into pgBackRest's conf file: IAM role names are 1 to 64 of these characters (and never a line break).
    const role = spec.options?.['s3-role'];
    if (role !== undefined && (typeof role !== 'string' || !/^[\w+=,.@-]{1,64}$/.test(role))) {
      problems.add(`${field}.roleName`, role, 'must be an IAM role name (not an ARN): 1 to 64 letters, digits and + = , . @ _ -');
    }
    const account = spec.options?.['azure-account'];
    if (account !== undefined && !/^[a-z0-9]{3,24}$/.test(account)) {
      problems.add(`${field}.account`, account, 'must be an Azure storage account name: 3 to 24 lowercase letters and digits');
    }
  }
}

function camel(option: string): string {
  return option.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** An S3 access key pair for `RepoCredentials.s3AccessKey`, each value read from where a CredentialSource says. */
export interface S3AccessKeyProps {
  /** The access key id (`repoN-s3-key`). */
  readonly accessKeyId: CredentialSource;
  /** The secret access key (`repoN-s3-key-secret`). */
  readonly secretAccessKey: CredentialSource;
  /**
   * A session token for temporary credentials (`repoN-s3-token`).
   * @default - none
   */
  readonly sessionToken?: CredentialSource;
}

/** IAM roles for service accounts (EKS), for `RepoCredentials.s3WebIdentity`: the role the pods act as. */
export interface S3WebIdentityProps {
  /** ARN of the IAM role the pods assume; its trust policy must admit the cluster's ServiceAccounts. */
  readonly roleArn: string;
}

/** Instance-role credentials, for `RepoCredentials.s3InstanceRole`. */
export interface S3InstanceRoleProps {
  /**
   * The role name (not ARN) to fetch credentials for (`repoN-s3-role`).
   * @default - the instance's role
   */
  readonly roleName?: string;
}

/** GKE workload identity, for `RepoCredentials.gcsWorkloadIdentity`: the Google service account the pods act as. */
export interface GcsWorkloadIdentityProps {
  /** Email of the Google service account bound to the pods' Kubernetes ServiceAccount. */
  readonly googleServiceAccount: string;
}

/** An Azure account and its key or SAS token, for `RepoCredentials.azureSharedKey` and `azureSas`. */
export interface AzureKeyProps {
  /** Storage account name; not a secret (`repoN-azure-account`). */
  readonly account: string;
  /** The shared key or SAS token (`repoN-azure-key`). */
  readonly key: CredentialSource;
}

/**
 * Azure workload identity, for `RepoCredentials.azureManagedIdentity`: the storage account and the managed identity
 * the pods act as.
 */
export interface AzureManagedIdentityProps {
  /** Storage account name (`repoN-azure-account`). */
  readonly account: string;
  /**
   * Client id of the user-assigned managed identity federated with the pods' ServiceAccount.
   * @default - the ServiceAccount is not annotated; annotate it yourself
   */
  readonly clientId?: string;
}
