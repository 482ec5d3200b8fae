/**
 * Where an instance's volumes are mounted, as IVYO lays them out: the data volume (PGDATA, and pgBackRest's log and
 * spool beside it) and the WAL volume if the set has one. pgDataDir and pgWalDir (cluster-model.ts), pgBackRest's
 * layout and the scripts all start from here.
 */

export const DATA_MOUNT = '/pgdata';
export const WAL_MOUNT = '/pgwal';
