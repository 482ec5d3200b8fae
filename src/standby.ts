import { checkArgument, checkInput, str } from './private/input';
import { checkInteger, Problems } from './private/validation';

/** Properties of a standby fed by streaming from another cluster's primary. */
export interface StandbyHostProps {
  /** Host name or address of the primary cluster's primary. */
  readonly host: string;
  /**
   * Its port.
   * @default 5432
   */
  readonly port?: number;
  /**
   * Also replay WAL from this cluster's repo (which points at the primary cluster's repo).
   * @default - streaming only
   */
  readonly repoName?: string;
}

/**
 * Makes a cluster a standby of another cluster: it replays that cluster's WAL from a shared repo, streams it from
 * its primary, or both. Backups of a standby are suspended.
 */
export class Standby {
  /**
   * Replay WAL from `repoName`, a repo of this cluster that points at the primary cluster's repo (same bucket and
   * path, or the same volume).
   */
  public static fromRepo(repoName: string): Standby {
    const input = new Problems();
    return new Standby(input, checkArgument(input, 'repoName', repoName, str));
  }

  /** Stream WAL from another cluster's primary, optionally also reading its repo. */
  public static fromHost(props: StandbyHostProps): Standby {
    const input = new Problems();
    props = checkInput(input, 'StandbyHostProps', props);
    return new Standby(input, props.repoName, props.host, props.port ?? 5432);
  }

  /** The repo WAL is read from, if any. */
  public readonly repoName?: string;
  /** The primary streamed from, if any. */
  public readonly host?: string;
  /** Its port, if streaming. */
  public readonly port?: number;

  /** What was wrong with the arguments' types, reported under the cluster's field for this value. @internal */
  public readonly _input: Problems;

  private constructor(input: Problems, repoName?: string, host?: string, port?: number) {
    this._input = input;
    this.repoName = repoName;
    this.host = host;
    this.port = port;
  }

  /** @internal */
  public _validate(problems: Problems, field: string): void {
    problems.mergeAt(field, this._input);
    if (this.repoName !== undefined && !/^repo[1-4]$/.test(this.repoName)) {
      problems.add(`${field}.repoName`, this.repoName, 'must be one of repo1, repo2, repo3, repo4');
    }
    if (this.host !== undefined && !/^[a-zA-Z0-9]([-a-zA-Z0-9.]*[a-zA-Z0-9])?$/.test(this.host)) {
      problems.add(`${field}.host`, this.host, 'must be a host name or IP address');
    }
    if (this.port !== undefined) checkInteger(problems, `${field}.port`, this.port, 1024, 65535);
    if (this.repoName === undefined && this.host === undefined && this._input.isEmpty) {
      problems.addRaw(field, 'a standby needs a repo, a host or both');
    }
  }
}
