import { Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';

/** Images and ids of IVYO 5.4, the defaults of every cluster. */

/** The IvorySQL image of IVYO 5.4 (IvorySQL 5.4, PostgreSQL 18). */
export const DEFAULT_IVORYSQL_IMAGE = 'docker.io/ivorysql/ivorysql:ubi9-5.4-5.4-1';
/** The uid of the `ivorysql` user in IVYO 5.4's IvorySQL and pgBackRest images. */
export const IMAGE_UID = 998;
/** The postgres_exporter image of IVYO 5.4 (postgres_exporter 0.17.0), as IVYO's RELATED_IMAGE_PGEXPORTER. */
export const DEFAULT_EXPORTER_IMAGE = 'docker.io/ivorysql/postgres-exporter:ubi9-0.17.0-5.4-1';
/** The pgBackRest image of IVYO 5.4 (pgBackRest 2.58.0). */
export const DEFAULT_PGBACKREST_IMAGE = 'docker.io/ivorysql/pgbackrest:ubi9-2.58.0-5.4-1';

/** The standalone database container's resources when the instance set gives none (also the bootstrap container's). */
export const DATABASE_RESOURCES = { cpu: { request: Cpu.millis(500) }, memory: { request: Size.mebibytes(512), limit: Size.gibibytes(2) } };
