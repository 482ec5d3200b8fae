/**
 * What the IvorySQL engine in the image takes: the one place that knows which PostgreSQL settings depend on the
 * image's build and on the database mode. Both targets render what these return.
 */
import { DatabaseMode, ImageBuildProps } from '../../ivorysql-engine';
import { Problems } from '../validation';

/** The image build, resolved: IVYO 5.4's image has neither. */
export interface ResolvedImageBuild {
  readonly lz4: boolean;
  readonly zstd: boolean;
}

export function validateImageBuild(problems: Problems, field: string, props: ImageBuildProps | undefined): ResolvedImageBuild {
  const build = props ?? {};
  if (typeof build !== 'object' || build === null) {
    problems.add(field, build, 'must be an object such as { lz4: true }');
    return { lz4: false, zstd: false };
  }
  for (const key of ['lz4', 'zstd'] as const) {
    if (build[key] !== undefined && typeof build[key] !== 'boolean') problems.add(`${field}.${key}`, build[key], 'must be true or false');
  }
  return { lz4: build.lz4 === true, zstd: build.zstd === true };
}

/** `wal_compression` methods by PostgreSQL version and build; `on` is pglz. */
export function walCompressionMethods(postgresVersion: number, build: ResolvedImageBuild): string[] {
  if (postgresVersion < 15) return ['off', 'on'];
  return ['off', 'on', 'pglz', ...(build.lz4 ? ['lz4'] : []), ...(build.zstd ? ['zstd'] : [])];
}

/**
 * The default `wal_compression`: lz4 where the build has it (fast, light on CPU), else pglz. pglz costs more CPU per
 * full-page image but still cuts WAL volume several times over after checkpoints.
 */
export function defaultWalCompression(postgresVersion: number, build: ResolvedImageBuild): string {
  if (postgresVersion < 15) return 'on';
  return build.lz4 ? 'lz4' : 'pglz';
}

/** Why a method is missing, for the refusal. */
export function walCompressionRefusal(method: string, postgresVersion: number, build: ResolvedImageBuild): string | undefined {
  if (walCompressionMethods(postgresVersion, build).includes(method)) return undefined;
  if (!['off', 'on', 'pglz', 'lz4', 'zstd'].includes(method)) return 'must be off, on, pglz, lz4 or zstd';
  if (postgresVersion < 15) return `needs PostgreSQL 15 or later; postgresVersion is ${postgresVersion} (off or on only)`;
  return `the image is built without ${method} (IVYO 5.4's image has neither lz4 nor zstd): PostgreSQL would refuse to start; `
    + `use pglz, or set imageBuild.${method}: true if your image has it; allowed: ${walCompressionMethods(postgresVersion, build).join(', ')}`;
}

/**
 * What IvorySQL 5.4's `initdb -m oracle` writes to PGDATA/ivorysql.conf, included from the postgresql.conf it
 * writes. The standalone target starts PostgreSQL with a config_file of its own, which would lose all of it: these
 * are rendered there instead, in plain sight. (IVYO preloads `liboracle_parser` and `ivorysql_ora` itself.)
 */
const ORACLE_MODE_SETTINGS: { [parameter: string]: string } = {
  'shared_preload_libraries': 'gb18030_2022, liboracle_parser, ivorysql_ora',
  'ivorysql.enable_emptystring_to_NULL': 'on',
};

/** PostgreSQL settings the database mode needs, beside the cluster's own. */
export function databaseModeSettings(mode: DatabaseMode): { [parameter: string]: string } {
  return mode === DatabaseMode.ORACLE ? { ...ORACLE_MODE_SETTINGS } : {};
}

/** initdb's option for the mode. */
export function initdbModeOption(mode: DatabaseMode): string {
  return `--dbmode=${mode}`;
}

/** initdb's options beside the superuser and authentication: the mode, and the WAL directory on its volume if any. */
export function initdbOptions(mode: DatabaseMode, walDir: string | undefined): string {
  return [initdbModeOption(mode), ...(walDir ? [`--waldir=${walDir}`] : [])].join(' ');
}
