/**
 * The pgBackRest version the generated configuration targets: set it (`pgbackrestVersion`) to the version in your
 * images, so that nothing is generated that it does not have.
 *
 * What depends on it here: 2.45 is the oldest accepted; block incremental is on by default from 2.46 and refused
 * before (beta there); backups of different repos may run at once from 2.53 (the backup plan analysis knows it);
 * `RepoCredentials.azureManagedIdentity` needs 2.58.
 */
export class PgBackRestVersion {
  /** The oldest supported version; Debian 12 (bookworm). */
  public static readonly V2_45 = new PgBackRestVersion(2, 45);
  /** First release with block incremental generally available. */
  public static readonly V2_46 = new PgBackRestVersion(2, 46);
  /** First release that lets backups of different repos run at the same time. */
  public static readonly V2_53 = new PgBackRestVersion(2, 53);
  /** The version in IVYO 5.4's pgBackRest image (`docker.io/ivorysql/pgbackrest:ubi9-2.58.0-5.4-1`). */
  public static readonly V2_58 = new PgBackRestVersion(2, 58);

  /**
   * Parses `"2.45"` or `"2.58.0"`, for a version without a constant. A string it cannot read, or a version older
   * than 2.45, is refused by the cluster, naming the field.
   */
  public static of(version: string): PgBackRestVersion {
    const match = /^2\.(\d{1,3})(\.\d+)?$/.exec(String(version));
    if (!match) {
      // A version string we cannot read gets an impossible value; IvoryCluster reports it with the field name.
      return new PgBackRestVersion(0, 0, String(version));
    }
    return new PgBackRestVersion(2, Number(match[1]));
  }

  /** Major version (2). */
  public readonly major: number;
  /** Minor version (58 for 2.58). */
  public readonly minor: number;
  private readonly text: string;

  private constructor(major: number, minor: number, text?: string) {
    this.major = major;
    this.minor = minor;
    this.text = text ?? `${major}.${minor}`;
  }

  /** True when this version is `major.minor` or later, e.g. to decide whether a feature can be used. */
  public atLeast(major: number, minor: number): boolean {
    return this.major > major || (this.major === major && this.minor >= minor);
  }

  /** False for a version string that could not be parsed or is older than 2.45, the oldest supported. */
  public get isSupported(): boolean {
    return this.atLeast(2, 45);
  }

  /** The version as `2.58`, or the string given to `of` when it could not be parsed; for messages. */
  public toString(): string {
    return this.text;
  }
}
