import { CredentialSource } from './credential-source';
import { Problems } from './validation';

/**
 * Client-side encryption of a repo (`repoN-cipher-type`, `repoN-cipher-pass`).
 *
 * Decide it before the stanza is created: stanza-create writes the repo's info files encrypted with it. Every
 * restore and clone made from the repo gets the same cipher settings and passphrase source.
 */
export class RepoEncryption {
  /** AES-256-CBC with a passphrase from a Secret or an external store. */
  public static aes256Cbc(passphrase: CredentialSource): RepoEncryption {
    return new RepoEncryption('aes-256-cbc', passphrase);
  }

  /** The pgBackRest cipher type. */
  public readonly cipherType: string;
  /** Where the passphrase is read from. */
  public readonly passphrase: CredentialSource;

  private constructor(cipherType: string, passphrase: CredentialSource) {
    this.cipherType = cipherType;
    this.passphrase = passphrase;
  }

  /** @internal */
  public _validate(problems: Problems, field: string): void {
    if (!(this.passphrase instanceof CredentialSource)) {
      problems.add(`${field}.passphrase`, this.passphrase, 'must be a CredentialSource (CredentialSource.fromSecret or fromExternalSecret)');
      return;
    }
    this.passphrase._validate(problems, `${field}.passphrase`);
  }
}
