#!/usr/bin/env bash
# Builds the engine the manifests run in IVYO 5.4's images, from the release sources in ../shared/vendor, the way
# the image recipe builds them (see ../shared/reference/ivorysql-images.md):
# - IvorySQL 5.4 with the image's configure flags (assert-enabled, no lz4, no zstd) at the image's prefix
#   /usr/local/ivorysql/ivorysql-5, contrib included;
# - pgBackRest 2.58.0 (meson, with lz4, zstd, bz2 and libssh2 like the PGDG RPM) at the image's /usr/bin/pgbackrest.
# Checksums are checked first. Each build is keyed by its tarball's checksum and its flags: an install whose stamp
# holds the same key is kept, so only the first run on a machine pays for the build (about 8 minutes on 2 cores).
# The work trees live in $ENGINE_CACHE (default /var/cache/cdk8s-ivorysql), never in the clone.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
vendor=${VENDOR_DIR:-$(cd "$here/../../.." && pwd)/shared/vendor}
cache=${ENGINE_CACHE:-/var/cache/cdk8s-ivorysql}
jobs=${ENGINE_JOBS:-$(nproc)}

IVORY_PREFIX=/usr/local/ivorysql/ivorysql-5
# The image recipe's flags (build/ivory/Dockerfile_multi). --with-ossp-uuid comes after --with-uuid=e2fs there and,
# as configure reads them, wins: uuid-ossp uses the OSSP library.
# The top-level `all install` builds IvorySQL's own modules (ivorysql_ora, gb18030_2022, ...), which the `world`
# targets leave out; contrib comes after, as in the recipe. Part of the build key.
IVORY_STEPS="make; make -C contrib; make install; make -C contrib install"
IVORY_FLAGS="--prefix=$IVORY_PREFIX --with-openssl --enable-cassert --enable-debug --enable-rpath --with-tcl --with-python
  --with-gssapi --with-pam --with-ldap --with-libedit-preferred --with-uuid=e2fs --with-libxml --with-libxslt --with-perl
  --without-icu --with-ossp-uuid"
PGBACKREST_FLAGS="--prefix=/usr --buildtype=release -Dlibssh2=enabled -Dlibzstd=enabled -Dconfigdir=/etc/pgbackrest"

IVORY_DEPS="build-essential bison flex libreadline-dev zlib1g-dev libssl-dev libxml2-dev libxslt1-dev uuid-dev libossp-uuid-dev
  libedit-dev tcl-dev python3-dev libperl-dev libkrb5-dev libpam0g-dev libldap2-dev pkg-config"
PGBACKREST_DEPS="meson ninja-build libpq-dev liblz4-dev libzstd-dev libbz2-dev libyaml-dev libssh2-1-dev libxml2-dev"

log() { echo "build-engine: $*"; }

[ -d "$vendor" ] || { echo "build-engine: no vendored sources at $vendor (set VENDOR_DIR)" >&2; exit 1; }
(cd "$vendor" && sha256sum --quiet -c SHA256SUMS) || { echo "build-engine: checksums of $vendor do not match SHA256SUMS" >&2; exit 1; }

sum() { awk -v f="$1" '$2 == f { print $1 }' "$vendor/SHA256SUMS"; }
key() { printf '%s\n%s\n' "$1" "$2" | sha256sum | cut -c1-16; }
ivory_key=$(key "$(sum ivorysql-5.4.tar.xz)" "$IVORY_FLAGS $IVORY_STEPS")
pgbackrest_key=$(key "$(sum pgbackrest-2.58.0.tar.xz)" "$PGBACKREST_FLAGS")
ivory_stamp=$IVORY_PREFIX/.cdk8s-ivorysql-build
pgbackrest_stamp=$cache/pgbackrest.installed

need_ivory=1; need_pgbackrest=1
[ "$(cat "$ivory_stamp" 2>/dev/null)" = "$ivory_key" ] && [ -x "$IVORY_PREFIX/bin/postgres" ] && need_ivory=0
[ "$(cat "$pgbackrest_stamp" 2>/dev/null)" = "$pgbackrest_key" ] && [ -x /usr/bin/pgbackrest ] && need_pgbackrest=0
[ $need_ivory = 0 ] && [ $need_pgbackrest = 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then echo "build-engine: root is needed to install build dependencies and the engine" >&2; exit 1; fi
deps=""
[ $need_ivory = 1 ] && deps="$deps $IVORY_DEPS"
[ $need_pgbackrest = 1 ] && deps="$deps $PGBACKREST_DEPS"
missing=$(for d in $deps; do dpkg-query -W -f='${Status}' "$d" 2>/dev/null | grep -q 'install ok installed' || echo "$d"; done)
if [ -n "$missing" ]; then
  log "installing build dependencies:" $missing
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
mkdir -p "$cache"

if [ $need_pgbackrest = 1 ]; then
  start=$(date +%s)
  log "building pgBackRest 2.58.0 ($pgbackrest_key)"
  # Debian's pgbackrest package would own /usr/bin/pgbackrest and another version.
  if dpkg-query -W -f='${Status}' pgbackrest 2>/dev/null | grep -q 'install ok installed'; then
    apt-get remove -y -qq pgbackrest >/dev/null
  fi
  work=$cache/pgbackrest-$pgbackrest_key
  rm -rf "$work"; mkdir -p "$work"
  tar -xJf "$vendor/pgbackrest-2.58.0.tar.xz" -C "$work"
  # shellcheck disable=SC2086
  (cd "$work" && meson setup build pgbackrest-2.58.0 $PGBACKREST_FLAGS >"$work/setup.log" 2>&1 \
    && ninja -C build -j "$jobs" >"$work/build.log" 2>&1 && ninja -C build install >"$work/install.log" 2>&1) \
    || { tail -40 "$work"/*.log >&2; exit 1; }
  /usr/bin/pgbackrest version | grep -q '^pgBackRest 2.58.0$'
  echo "$pgbackrest_key" >"$pgbackrest_stamp"
  rm -rf "$work/pgbackrest-2.58.0"
  log "pgBackRest 2.58.0 installed at /usr/bin/pgbackrest in $(( $(date +%s) - start )) s"
fi

if [ $need_ivory = 1 ]; then
  start=$(date +%s)
  log "building IvorySQL 5.4 with the image's flags ($ivory_key); about 8 minutes on 2 cores"
  work=$cache/ivorysql-$ivory_key
  rm -rf "$work" "$IVORY_PREFIX"; mkdir -p "$work"
  tar -xJf "$vendor/ivorysql-5.4.tar.xz" -C "$work"
  src=$work/ivorysql-5.4
  # PYTHON: otherwise configure links PL/Python against the first python3 on PATH (a pyenv one on these machines).
  # shellcheck disable=SC2086
  (cd "$src" && ./configure $IVORY_FLAGS PYTHON=/usr/bin/python3 >"$work/configure.log" 2>&1 \
    && make -j"$jobs" -s >"$work/build.log" 2>&1 && make -C contrib -j"$jobs" -s >>"$work/build.log" 2>&1 \
    && make -s install >"$work/install.log" 2>&1 && make -C contrib -s install >>"$work/install.log" 2>&1) \
    || { tail -60 "$work"/*.log >&2; exit 1; }
  "$IVORY_PREFIX/bin/postgres" --version
  # What initdb needs in Oracle-compatible mode, the default.
  for f in lib/postgresql/ivorysql_ora.so lib/postgresql/liboracle_parser.so share/postgresql/preload_ora_misc.sql; do
    [ -e "$IVORY_PREFIX/$f" ] || { echo "build-engine: $IVORY_PREFIX/$f was not installed" >&2; exit 1; }
  done
  echo "$ivory_key" >"$ivory_stamp"
  rm -rf "$src"
  log "IvorySQL 5.4 installed at $IVORY_PREFIX in $(( $(date +%s) - start )) s"
fi
