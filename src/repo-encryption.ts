import { CredentialSource } from './credential-source';
import { checkArgument, credentialSource } from './private/input';
import { Problems } from './private/validation';

/**
 * Client-side encryption of a repo (`repoN-cipher-type`, `repoN-cipher-pass`), for backups that whoever can read
 * the bucket or volume must not be able to read.
 *
 * Decide it before the stanza is created: stanza-create writes the repo's info files encrypted with it. Every
 * restore and clone made from the repo gets the same cipher settings and passphrase source.
 */
export class RepoEncryption {
  /**
   * AES-256-CBC, pgBackRest's only cipher, with its passphrase from a CredentialSource. With the operator target
   * the passphrase must come from an external store or a conf file (`fromExternalSecret`, `fromConfSecret`).
   */
  public static aes256Cbc(passphrase: CredentialSource): RepoEncryption {
    return new RepoEncryption('aes-256-cbc', passphrase);
  }

  /** The pgBackRest cipher type (`repoN-cipher-type`), `aes-256-cbc`. */
  public readonly cipherType: string;
  /** Where the passphrase is read from (`repoN-cipher-pass`); losing it makes the repo unreadable. */
  public readonly passphrase: CredentialSource;

  /** What was wrong with the arguments' types, reported under the cluster's field for this value. @internal */
  public readonly _input: Problems;

  private constructor(cipherType: string, passphrase: CredentialSource) {
    this._input = new Problems();
    this.cipherType = cipherType;
    this.passphrase = checkArgument(this._input, 'passphrase', passphrase, credentialSource) as CredentialSource;
  }

  /** @internal */
  public _validate(problems: Problems, field: string): void {
    problems.mergeAt(field, this._input);
    if (!(this.passphrase instanceof CredentialSource)) {
      problems.add(`${field}.passphrase`, this.passphrase, 'must be a CredentialSource (CredentialSource.fromSecret or fromExternalSecret)');
      return;
    }
    this.passphrase._validate(problems, `${field}.passphrase`);
  }
}
