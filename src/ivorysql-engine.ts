/**
 * What the IvorySQL engine in the image can do and how a new cluster is initialized: the defaults and checks that
 * depend on the image's build follow these.
 */

/** How initdb initializes a new cluster: IvorySQL's Oracle-compatible mode, or plain PostgreSQL. */
export enum DatabaseMode {
  /**
   * Oracle-compatible (`initdb -m oracle`, IvorySQL's default and IVYO's): PL/iSQL, Oracle types and functions,
   * `liboracle_parser` and `ivorysql_ora` preloaded. Sessions on the PostgreSQL port still speak PostgreSQL's SQL
   * (`ivorysql.compatible_mode = pg`) until they switch.
   */
  ORACLE = 'oracle',
  /** Plain PostgreSQL (`initdb -m pg`): no Oracle parser, nothing IvorySQL-specific preloaded. */
  POSTGRESQL = 'pg',
}

/**
 * Options IvorySQL was configured with in the image. IVYO 5.4's image is built without lz4 and zstd, so PostgreSQL
 * there cannot take `wal_compression = lz4` (the server refuses to start). Set them for an image of your own that
 * has them, so that `tuning.walCompression` can use them.
 */
export interface ImageBuildProps {
  /**
   * IvorySQL was built `--with-lz4` (lz4 for `wal_compression` and TOAST).
   * @default false, as IVYO 5.4's image
   */
  readonly lz4?: boolean;
  /**
   * IvorySQL was built `--with-zstd` (zstd for `wal_compression`).
   * @default false, as IVYO 5.4's image
   */
  readonly zstd?: boolean;
}
