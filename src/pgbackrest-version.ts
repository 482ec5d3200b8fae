/**
 * The pgBackRest version the generated configuration targets.
 *
 * Options and defaults depend on it: block incremental is GA from 2.46, backups of different repos may run at once
 * from 2.53, Azure managed identities and EKS pod identity need 2.58.
 */
export class PgBackRestVersion {
  /** Debian 12 (bookworm). */
  public static readonly V2_45 = new PgBackRestVersion(2, 45);
  /** First release with block incremental generally available. */
  public static readonly V2_46 = new PgBackRestVersion(2, 46);
  /** First release that lets backups of different repos run at the same time. */
  public static readonly V2_53 = new PgBackRestVersion(2, 53);
  /** The version in IVYO 5.4's pgBackRest image (`docker.io/ivorysql/pgbackrest:ubi9-2.58.0-5.4-1`). */
  public static readonly V2_58 = new PgBackRestVersion(2, 58);

  /** Parses `"2.45"` or `"2.58.0"`. */
  public static of(version: string): PgBackRestVersion {
    const match = /^2\.(\d{1,3})(\.\d+)?$/.exec(String(version));
    if (!match) {
      // A version string we cannot read gets an impossible value; IvoryCluster reports it with the field name.
      return new PgBackRestVersion(0, 0, String(version));
    }
    return new PgBackRestVersion(2, Number(match[1]));
  }

  /** Major version. */
  public readonly major: number;
  /** Minor version. */
  public readonly minor: number;
  private readonly text: string;

  private constructor(major: number, minor: number, text?: string) {
    this.major = major;
    this.minor = minor;
    this.text = text ?? `${major}.${minor}`;
  }

  /** True when this version is `major.minor` or later. */
  public atLeast(major: number, minor: number): boolean {
    return this.major > major || (this.major === major && this.minor >= minor);
  }

  /** False for a version string that could not be parsed or is older than 2.45, the oldest supported. */
  public get isSupported(): boolean {
    return this.atLeast(2, 45);
  }

  public toString(): string {
    return this.text;
  }
}
