/** Whether a spread constraint is a preference or a rule: its `whenUnsatisfiable`. */
export enum SpreadRule {
  /**
   * `ScheduleAnyway`: the scheduler spreads the pods where it can and places them anyway where it cannot (a cluster
   * with one node or one zone still runs every instance).
   */
  PREFERRED = 'ScheduleAnyway',
  /** `DoNotSchedule`: a pod that would break the spread stays Pending until a node that keeps it exists. */
  REQUIRED = 'DoNotSchedule',
}

/** One topology spread constraint over the instance pods of the cluster. */
export interface SpreadConstraint {
  /** The node label whose values are the domains to spread over, e.g. `topology.kubernetes.io/zone`. */
  readonly topologyKey: string;
  /**
   * Most instances one domain may have more than another.
   * @default 1
   */
  readonly maxSkew?: number;
  /**
   * A preference or a rule.
   * @default SpreadRule.PREFERRED
   */
  readonly rule?: SpreadRule;
}

/**
 * How the instance pods spread over the Kubernetes cluster (their `topologySpreadConstraints`), counting every
 * instance of the cluster, so that one node or one zone going down does not take every copy of the data.
 */
export class InstanceSpread {
  /** The node label of Kubernetes nodes. */
  public static readonly NODE_KEY = 'kubernetes.io/hostname';
  /** The zone label of Kubernetes nodes. */
  public static readonly ZONE_KEY = 'topology.kubernetes.io/zone';

  /**
   * Over nodes and over zones, at most one instance more in one than in another: the default, as a preference (IVYO's
   * defaults, too), or as a rule.
   */
  public static nodesAndZones(rule: SpreadRule = SpreadRule.PREFERRED): InstanceSpread {
    return new InstanceSpread([
      { topologyKey: InstanceSpread.NODE_KEY, maxSkew: 1, rule },
      { topologyKey: InstanceSpread.ZONE_KEY, maxSkew: 1, rule },
    ]);
  }

  /** These constraints only. */
  public static of(...constraints: SpreadConstraint[]): InstanceSpread {
    return new InstanceSpread(constraints);
  }

  /** No spread constraints: the scheduler places the pods as it likes. */
  public static none(): InstanceSpread {
    return new InstanceSpread([]);
  }

  /** The constraints. */
  public readonly constraints: SpreadConstraint[];

  private constructor(constraints: SpreadConstraint[]) {
    this.constraints = [...constraints];
  }
}
