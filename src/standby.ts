import { checkArgument, checkInput, str } from './private/input';
import { checkInteger, Problems } from './private/validation';

/**
 * Properties of a standby fed by streaming from another cluster's primary: it lags by what is in flight, not by
 * whole archived WAL segments.
 */
export interface StandbyHostProps {
  /** Host name or address of the primary cluster's primary, reachable from this cluster's pods. */
  readonly host: string;
  /**
   * Its port.
   * @default 5432
   */
  readonly port?: number;
  /**
   * Also replay WAL from this cluster's repo (which points at the primary cluster's repo), so that the standby
   * catches up from the archive when streaming falls behind. The standalone target creates the standby's instances
   * from a backup in this repo, else in the cluster's lowest-numbered repo.
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
   * Replay WAL from `repoName`, a repo of this cluster that points at the primary cluster's repo: an object-store
   * repo with the same bucket and path, the path written out. A volume repo or a repo without a path is refused at
   * synth: it would be this cluster's own, empty location.
   */
  public static fromRepo(repoName: string): Standby {
    const input = new Problems();
    return new Standby(input, checkArgument(input, 'repoName', repoName, str));
  }

  /**
   * Stream WAL from another cluster's primary, optionally also reading its repo: the lowest lag, but the primary
   * must be reachable over the network.
   */
  public static fromHost(props: StandbyHostProps): Standby {
    const input = new Problems();
    props = checkInput(input, 'StandbyHostProps', props);
    return new Standby(input, props.repoName, props.host, props.port ?? 5432);
  }

  /** The repo of this cluster WAL is read from, if any. */
  public readonly repoName?: string;
  /** The primary streamed from, if any. */
  public readonly host?: string;
  /** The primary's port, if streaming. */
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
