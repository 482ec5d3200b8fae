import { checkInput } from './private/input';
import { Problems, checkDnsSubdomain } from './private/validation';

/** Options of certificates issued by cert-manager: which issuer signs them, when a CA of your own should. */
export interface CertManagerOptions {
  /**
   * An Issuer or ClusterIssuer of yours to sign the certificates.
   * @default - a self-signed CA made for the cluster (a selfSigned Issuer, a CA Certificate and a CA Issuer)
   */
  readonly issuerName?: string;
  /**
   * `Issuer` or `ClusterIssuer`.
   * @default Issuer
   */
  readonly issuerKind?: string;
}

/**
 * Secrets you provide, each of type `kubernetes.io/tls` with `tls.crt`, `tls.key` and `ca.crt`: for certificates
 * you issue yourself, without cert-manager.
 */
export interface TlsSecretsProps {
  /**
   * pgBackRest's certificate, used both as TLS server (instances, repo host) and as client (backup Jobs). Its
   * common name is what the servers authorize (`tls-server-auth`), and its DNS names must include every
   * instance pod and the repo host pod (see the README).
   */
  readonly pgbackrestSecretName: string;
  /** PostgreSQL's server certificate, for the primary and replica Services and the pods. */
  readonly postgresSecretName: string;
  /** The replication client certificate, common name `replicator`. */
  readonly replicationSecretName: string;
  /**
   * The common name of the pgBackRest certificate.
   * @default `<cluster>-pgbackrest`
   */
  readonly pgbackrestCommonName?: string;
}

/**
 * Where the standalone target's TLS certificates come from: pgBackRest's TLS server between instances, the repo
 * host and the backup Jobs, and PostgreSQL's TLS for clients and replication (replicas authenticate with a
 * client certificate, so no password exists).
 */
export class TlsCertificates {
  /**
   * Certificates issued by cert-manager (the default): needs cert-manager in the cluster, and renews them itself.
   * Without an issuer, a self-signed CA is made for the cluster.
   */
  public static certManager(options: CertManagerOptions = {}): TlsCertificates {
    const input = new Problems();
    return new TlsCertificates('certManager', checkInput(input, 'CertManagerOptions', options), undefined, input);
  }

  /**
   * Certificates in Secrets you manage, where cert-manager is not installed; renewing them is up to you.
   */
  public static fromSecrets(props: TlsSecretsProps): TlsCertificates {
    const input = new Problems();
    return new TlsCertificates('secrets', undefined, checkInput(input, 'TlsSecretsProps', props), input);
  }

  /** `certManager` or `secrets`: which factory made it. */
  public readonly source: string;
  /** cert-manager options, for certManager. */
  public readonly certManagerOptions?: CertManagerOptions;
  /** The Secrets, for secrets. */
  public readonly secrets?: TlsSecretsProps;

  /** What was wrong with the arguments' types, reported under the cluster's field for this value. @internal */
  public readonly _input: Problems;

  private constructor(source: string, certManager: CertManagerOptions | undefined, secrets: TlsSecretsProps | undefined, input: Problems) {
    this._input = input;
    this.source = source;
    this.certManagerOptions = certManager;
    this.secrets = secrets;
  }

  /** @internal */
  public _validate(problems: Problems, field: string): void {
    problems.mergeAt(field, this._input);
    const o = this.certManagerOptions;
    if (o?.issuerName !== undefined) checkDnsSubdomain(problems, `${field}.issuerName`, o.issuerName);
    if (o?.issuerKind !== undefined && !['Issuer', 'ClusterIssuer'].includes(o.issuerKind)) {
      problems.add(`${field}.issuerKind`, o.issuerKind, 'must be Issuer or ClusterIssuer');
    }
    if (this.secrets) {
      checkDnsSubdomain(problems, `${field}.pgbackrestSecretName`, this.secrets.pgbackrestSecretName);
      checkDnsSubdomain(problems, `${field}.postgresSecretName`, this.secrets.postgresSecretName);
      checkDnsSubdomain(problems, `${field}.replicationSecretName`, this.secrets.replicationSecretName);
      // Written into the TLS server's conf file as `tls-server-auth = <CN>=db`: a line break would add options, a
      // '=' or ',' would change whom it authorizes.
      const cn = this.secrets.pgbackrestCommonName;
      if (cn !== undefined && (typeof cn !== 'string' || !/^[A-Za-z0-9]([-_.A-Za-z0-9]{0,62}[A-Za-z0-9])?$/.test(cn))) {
        problems.add(`${field}.pgbackrestCommonName`, cn, 'must be a certificate common name of 1 to 64 letters, digits, \'-\', \'_\' and \'.\', starting and ending with a letter or digit');
      }
    }
  }
}
