#!/usr/bin/env bash
# Installs what the end-to-end tests need when it is missing, and builds the engine: IvorySQL 5.4 and pgBackRest
# 2.58.0 from ../shared/vendor as the images build them (build-engine.sh, cached outside the clone); bubblewrap for
# the pod sandboxes, iproute2 for their networks, nss_wrapper and the en_US.UTF-8 locale as the IvorySQL image has
# them, openssl for certificates, Chromium to render the backup plan timeline, Prometheus and postgres_exporter for the
# backup metrics and alerts, Patroni 4.0.7 (from ../shared/vendor, on Debian's Python and its modules) with etcd 3.4
# as its DCS where the Kubernetes API cannot be had, curl for httpGet probes, and the storage emulators (npm).
# Idempotent and quiet when everything is there. Set E2E=0 to skip (the unit tests need none of this).
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ "${E2E:-1}" = "0" ]; then exit 0; fi

# prometheus (the server and promtool) and prometheus-postgres-exporter: the monitoring suite's Prometheus, and the
# exporter every instance pod runs in place of the exporter image's.
# etcd-server and the python3-* modules: Patroni 4.0.7 (pure Python, run by /usr/bin/python3) with etcd as its DCS;
# python3-cdiff is what patronictl imports for its diffs (Debian has no ydiff). python3-idna: python3-etcd (the etcd DCS,
# harness only) switches urllib3 to pyOpenSSL where that is installed, which then needs idna for every HTTPS call
# (patronictl's to the members' REST API failed without it). curl: the httpGet probes.
packages=(bubblewrap iproute2 libnss-wrapper locales openssl util-linux chromium prometheus prometheus-postgres-exporter
  etcd-server python3-urllib3 python3-yaml python3-click python3-prettytable python3-dateutil python3-psutil
  python3-psycopg2 python3-etcd python3-dnspython python3-cdiff python3-idna curl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "ensure-tools: installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" != 0 ]; then echo "ensure-tools: root is needed to install packages" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  # Debian starts a package's daemon when it is installed (prometheus on :9090, the exporter on :9187, etcd on :2379) unless
  # policy-rc.d refuses: the tests start their own, on ports of their own. Refuse for the install only.
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The IvorySQL image runs with LC_ALL=en_US.utf-8 (glibc's English langpack); initdb takes its locale from it.
if ! locale -a 2>/dev/null | grep -qi '^en_US\.utf8$'; then
  echo "ensure-tools: generating the en_US.UTF-8 locale"
  sed -i 's/^# *\(en_US.UTF-8 UTF-8\)/\1/' /etc/locale.gen
  grep -q '^en_US.UTF-8 UTF-8' /etc/locale.gen || echo 'en_US.UTF-8 UTF-8' >> /etc/locale.gen
  locale-gen >/dev/null
fi

bash test/setup/build-engine.sh

# Patroni 4.0.7 as the vendored release tree, run by Debian's python3 (a pyenv python3 may come first on PATH, without
# Debian's modules; no pip: Debian's Python is externally managed). Stamped by the tarball's checksum: a rerun with the
# same tarball changes nothing.
vendor=${VENDOR_DIR:-$(cd .. && pwd)/shared/vendor}
patroni_dir=/usr/local/lib/patroni-4.0.7
patroni_sum=$(awk '$2 == "patroni-4.0.7.tar.xz" { print $1 }' "$vendor/SHA256SUMS")
if [ "$(cat "$patroni_dir/.cdk8s-ivorysql-install" 2>/dev/null)" != "$patroni_sum" ] || [ ! -x /usr/local/bin/patroni ] || [ ! -x /usr/local/bin/patronictl ]; then
  echo "ensure-tools: installing Patroni 4.0.7 at $patroni_dir"
  if [ "$(id -u)" != 0 ]; then echo "ensure-tools: root is needed to install Patroni" >&2; exit 1; fi
  [ -n "$patroni_sum" ] || { echo "ensure-tools: $vendor/SHA256SUMS lists no patroni-4.0.7.tar.xz" >&2; exit 1; }
  (cd "$vendor" && echo "$patroni_sum  patroni-4.0.7.tar.xz" | sha256sum --quiet -c -) \
    || { echo "ensure-tools: $vendor/patroni-4.0.7.tar.xz does not match SHA256SUMS" >&2; exit 1; }
  rm -rf "$patroni_dir"
  mkdir -p "$patroni_dir"
  tar -xJf "$vendor/patroni-4.0.7.tar.xz" -C "$patroni_dir" --strip-components=1
  for tool in patroni patronictl; do
    printf '#!/bin/sh\nexec /usr/bin/python3 %s/%s.py "$@"\n' "$patroni_dir" "$tool" > "/usr/local/bin/$tool"
    chmod 755 "/usr/local/bin/$tool"
  done
  echo "$patroni_sum" > "$patroni_dir/.cdk8s-ivorysql-install"
fi
version=$(/usr/local/bin/patroni --version 2>&1) || true
case "$version" in
  *' 4.0.7') ;;
  *) echo "ensure-tools: patroni --version says '$version', not 4.0.7 (are Debian's python3 modules installed?)" >&2; exit 1 ;;
esac

emulators=test/emulators
if [ ! -f "$emulators/node_modules/.installed" ] || [ "$emulators/package-lock.json" -nt "$emulators/node_modules/.installed" ]; then
  echo "ensure-tools: installing the storage emulators (s3rver, Azurite)"
  (cd "$emulators" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  touch "$emulators/node_modules/.installed"
fi
