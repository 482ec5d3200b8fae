/**
 * What the clusters of one app claim, so two of them cannot take the same thing: an object name in a namespace,
 * a repo location (store, bucket or container, path) that pgBackRest writes. Keyed by the construct tree's root
 * (the App), so separate apps (and tests) never see each other's claims.
 */
import { IConstruct } from 'constructs';

interface Claim {
  /** The construct path of the cluster that claimed it. */
  readonly path: string;
  /** Its field, for messages. */
  readonly field: string;
}

const claims = new WeakMap<IConstruct, Map<string, Claim>>();

function claimsOf(scope: IConstruct): Map<string, Claim> {
  const root = scope.node.root;
  let map = claims.get(root);
  if (!map) {
    map = new Map();
    claims.set(root, map);
  }
  return map;
}

/** Who already claimed `key` in `scope`'s app, if another cluster did. */
export function claimedBy(scope: IConstruct, key: string): Claim | undefined {
  const found = claimsOf(scope).get(key);
  return found && found.path !== scope.node.path ? found : undefined;
}

/** Records `keys` as `scope`'s, once it has been validated. */
export function claim(scope: IConstruct, keys: { key: string; field: string }[]): void {
  const map = claimsOf(scope);
  for (const k of keys) if (!map.has(k.key)) map.set(k.key, { path: scope.node.path, field: k.field });
}
