import { checkArgument, checkInput, str } from './private/input';
import { checkDnsSubdomain, Problems } from './private/validation';

/** Where a database user's password comes from (`UserPassword.kind`). */
export enum UserPasswordKind {
  /** Generated once: by IVYO (operator target) or by external-secrets' `Password` generator (standalone target). */
  GENERATED = 'generated',
  /** A key of a Secret you manage (standalone target). */
  SECRET = 'secret',
  /** A key of an external store, synced by external-secrets (standalone target). */
  EXTERNAL = 'external',
}

/** How a generated password is made. */
export interface GeneratedPasswordProps {
  /**
   * Letters and digits only, for clients that cannot take symbols in a URI or a connection string (IVYO's
   * `AlphaNumeric` type).
   * @default false - letters, digits and symbols (IVYO's `ASCII` type)
   */
  readonly alphanumeric?: boolean;
  /**
   * Length of the password, 16 to 128 characters. Standalone target only: IVYO always generates 24 characters.
   * @default 24
   */
  readonly length?: number;
}

/**
 * The source of a database user's password. The manifests name where it is, never what it is: no factory takes a
 * password.
 */
export class UserPassword {
  /**
   * A password generated once and kept: by IVYO in `<cluster>-pguser-<user>` (operator target), or by external-secrets'
   * `Password` generator into the same Secret (standalone target; `refreshInterval: 0`, so it is generated once).
   */
  public static generated(props: GeneratedPasswordProps = {}): UserPassword {
    const input = new Problems();
    props = checkInput(input, 'GeneratedPasswordProps', props);
    return new UserPassword(UserPasswordKind.GENERATED, input, { alphanumeric: props.alphanumeric ?? false, length: props.length });
  }

  /**
   * A key of a Secret you manage (created by hand, by sealed-secrets, by a CSI driver ...), standalone target only:
   * IVYO keeps each user's password in a Secret of its own, which it generates.
   */
  public static fromSecret(secretName: string, key: string = 'password'): UserPassword {
    const input = new Problems();
    const name = checkArgument(input, 'secretName', secretName, str);
    const k = checkArgument(input, 'key', key, str);
    return new UserPassword(UserPasswordKind.SECRET, input, { secretName: name, key: k });
  }

  /**
   * A key (and optionally a property of it) in the cluster's `externalSecretStore`, standalone target only (IVYO
   * generates its users' passwords).
   */
  public static fromExternalSecret(remoteKey: string, property?: string): UserPassword {
    const input = new Problems();
    const k = checkArgument(input, 'remoteKey', remoteKey, str);
    const p = checkArgument(input, 'property', property, str, true);
    return new UserPassword(UserPasswordKind.EXTERNAL, input, { key: k, property: p });
  }

  /** Where the password comes from. */
  public readonly kind: UserPasswordKind;
  /** The Secret's name (SECRET). */
  public readonly secretName?: string;
  /** The Secret key (SECRET) or the remote key (EXTERNAL). */
  public readonly key?: string;
  /** The property of the remote key (EXTERNAL), if given. */
  public readonly property?: string;
  /** Letters and digits only (GENERATED). */
  public readonly alphanumeric?: boolean;
  /** The generated length (GENERATED), if given. */
  public readonly length?: number;
  /** @internal */
  public readonly _input: Problems;

  private constructor(kind: UserPasswordKind, input: Problems, values: {
    secretName?: string; key?: string; property?: string; alphanumeric?: boolean; length?: number;
  }) {
    this.kind = kind;
    this._input = input;
    this.secretName = values.secretName;
    this.key = values.key;
    this.property = values.property;
    this.alphanumeric = values.alphanumeric;
    this.length = values.length;
  }

  /** @internal */
  public _validate(problems: Problems, field: string): void {
    problems.mergeAt(field, this._input);
    if (this.kind === UserPasswordKind.SECRET) {
      if (this.secretName !== undefined) checkDnsSubdomain(problems, `${field}.secretName`, this.secretName);
      if (this.key !== undefined && !/^[-._a-zA-Z0-9]{1,253}$/.test(this.key)) {
        problems.add(`${field}.key`, this.key, 'must be a Secret key: letters, digits, \'-\', \'_\' and \'.\'');
      }
    } else if (this.kind === UserPasswordKind.EXTERNAL) {
      if (this.key !== undefined && this.key.length === 0) problems.add(`${field}.remoteKey`, this.key, 'must name the remote key in the external store');
    } else if (this.length !== undefined && !(Number.isInteger(this.length) && this.length >= 16 && this.length <= 128)) {
      problems.add(`${field}.length`, this.length, 'must be a whole number from 16 to 128');
    }
  }
}
