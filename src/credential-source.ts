import { checkArgument, str } from './private/input';
import { checkDnsSubdomain, Problems } from './private/validation';

/**
 * Where a secret value is read from, when a pod starts (`CredentialSource.kind`). It is never copied into the
 * manifests.
 */
export enum CredentialSourceKind {
  /**
   * A key of a Kubernetes Secret the user manages (`CredentialSource.fromSecret`); with the operator target, key
   * files only.
   */
  SECRET = 'secret',
  /**
   * A key of an external store, synced by the external-secrets operator into a Secret we declare
   * (`CredentialSource.fromExternalSecret`).
   */
  EXTERNAL = 'external',
  /**
   * A Secret key holding a pgBackRest conf file that sets the option itself, IVYO's own way
   * (`CredentialSource.fromConfSecret`).
   */
  CONF_FILE = 'conf',
}

/**
 * A reference to one secret value (an access key, a passphrase, a key file): the manifests name where it is,
 * never what it is, so they can be kept in git. RepoCredentials and RepoEncryption take their values from these.
 */
export class CredentialSource {
  /**
   * A key of a Secret you manage (created by hand, by sealed-secrets, by a CSI driver ...).
   *
   * The standalone target passes it to pgBackRest as an environment variable (`secretKeyRef`) or a projected
   * file. The operator target can project key files but not values: IVYO reads credential values only from
   * pgBackRest conf files, so use {@link CredentialSource.fromExternalSecret} or `RepoCredentials.fromConfSecret`.
   */
  public static fromSecret(secretName: string, key: string): CredentialSource {
    return new CredentialSource(CredentialSourceKind.SECRET, secretName, key);
  }

  /**
   * A key (and optionally a property of it) in an external secret store, for values kept in Vault or a cloud
   * secret manager. The cluster declares an external-secrets `ExternalSecret` that renders a pgBackRest conf file
   * from it, so it works with both targets; requires `externalSecretStore` on the cluster.
   */
  public static fromExternalSecret(remoteKey: string, property?: string): CredentialSource {
    return new CredentialSource(CredentialSourceKind.EXTERNAL, undefined, remoteKey, property);
  }

  /**
   * A Secret key holding a whole pgBackRest conf file that sets this one option itself, e.g. `pgbackrest-secrets.conf`
   * with `[global]` / `repo1-cipher-pass=...`. The file is projected into `/etc/pgbackrest/conf.d`; it must name the
   * right repo index, so give the repo an explicit `name`. Works with both targets.
   *
   * Which to use: this one where a single value (an encryption passphrase, one key of a credential pair) is in a
   * conf file and the rest comes from elsewhere; `RepoCredentials.fromConfSecret(name, key)` where one conf file
   * holds all of a repo's credentials, as in IVYO's examples (`s3.conf`, `gcs.conf`, `azure.conf`). There is no
   * default key here: give the Secret's key (it must end in `.conf`).
   */
  public static fromConfSecret(secretName: string, key: string): CredentialSource {
    return new CredentialSource(CredentialSourceKind.CONF_FILE, secretName, key);
  }

  /** Where the value lives: a Secret, an external store or a conf file in a Secret. */
  public readonly kind: CredentialSourceKind;
  /** The Secret's name, for SECRET and CONF_FILE sources. */
  public readonly secretName?: string;
  /** The Secret key, or the external store's remote key. */
  public readonly key: string;
  /** The property inside the remote key, for EXTERNAL sources, if given. */
  public readonly property?: string;
  /** What was wrong with the arguments' types, reported under the cluster's field for this value. @internal */
  public readonly _input: Problems;

  private constructor(kind: CredentialSourceKind, secretName: string | undefined, key: string, property?: string) {
    this._input = new Problems();
    this.kind = kind;
    this.secretName = kind === CredentialSourceKind.EXTERNAL ? undefined : checkArgument(this._input, 'secretName', secretName, str);
    this.key = checkArgument(this._input, 'key', key, str) as string;
    this.property = checkArgument(this._input, 'property', property, str, true);
  }

  /** @internal */
  public _validate(problems: Problems, field: string): void {
    problems.mergeAt(field, this._input);
    if (this.kind === CredentialSourceKind.SECRET || this.kind === CredentialSourceKind.CONF_FILE) {
      checkDnsSubdomain(problems, `${field}.secretName`, this.secretName as string);
      if (typeof this.key !== 'string' || !/^[-._a-zA-Z0-9]{1,253}$/.test(this.key)) {
        problems.add(`${field}.key`, this.key, 'must be a Secret key: letters, digits, \'-\', \'_\' and \'.\'');
      } else if (this.kind === CredentialSourceKind.CONF_FILE && !this.key.endsWith('.conf')) {
        problems.add(`${field}.key`, this.key, 'must end in .conf: pgBackRest only reads *.conf files from its include path');
      }
    } else if (typeof this.key !== 'string' || this.key.length === 0) {
      problems.add(`${field}.key`, this.key, 'must name the remote key in the external store');
    }
  }
}

/**
 * A CA certificate that is public data, read from a ConfigMap or a Secret: the bundle pgBackRest verifies an object
 * store with when a private CA signed its certificate (`caCertificate` of a repo). It is projected into the pods as
 * a file.
 */
export class CaCertificate {
  /** A key of a ConfigMap: where a CA bundle, which is not secret, usually lives. */
  public static fromConfigMap(configMapName: string, key: string): CaCertificate {
    return new CaCertificate('configMap', configMapName, key);
  }

  /** A key of a Secret, e.g. `ca.crt` of a Secret that cert-manager wrote. */
  public static fromSecret(secretName: string, key: string): CaCertificate {
    return new CaCertificate('secret', secretName, key);
  }

  /** `configMap` or `secret`: the kind of object the bundle is read from. */
  public readonly objectKind: string;
  /** The ConfigMap or Secret name, in the cluster's namespace. */
  public readonly objectName: string;
  /** The key holding the PEM bundle. */
  public readonly key: string;

  /** What was wrong with the arguments' types. @internal */
  public readonly _input: Problems;

  private constructor(objectKind: string, objectName: string, key: string) {
    this._input = new Problems();
    this.objectKind = objectKind;
    this.objectName = checkArgument(this._input, 'name', objectName, str) as string;
    this.key = checkArgument(this._input, 'key', key, str) as string;
  }

  /** @internal */
  public _validate(problems: Problems, field: string): void {
    problems.mergeAt(field, this._input);
    checkDnsSubdomain(problems, `${field}.name`, this.objectName);
    if (typeof this.key !== 'string' || !/^[-._a-zA-Z0-9]{1,253}$/.test(this.key)) {
      problems.add(`${field}.key`, this.key, 'must be a key: letters, digits, \'-\', \'_\' and \'.\'');
    }
  }
}
