#!/usr/bin/env bash
# The whole test suite, on a fresh machine of this kind: installs the tools the tests
# drive (Chromium, cmark-gfm, LibreOffice, poppler, qpdf, aiosmtpd, axe-core and
# doiuse-email from the npm registry), starts PostgreSQL if it is down, points DATABASE_URL
# at it, then runs every test. Some tests start PostgreSQL clusters of their own on free loopback ports (in
# temporary folders, removed after). Tests FAIL, never skip, when a service is missing —
# so run them through this script.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v cmark-gfm >/dev/null 2>&1 || need+=(cmark-gfm)
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-writer)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
# report.pdf is checked with poppler (pdfinfo, pdffonts, pdftotext, pdftoppm) and qpdf.
command -v qpdf >/dev/null 2>&1 || need+=(qpdf)
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || need+=(python3-aiosmtpd)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
# Test-owned clusters (standby, restart, foreign partitions): initdb, pg_basebackup,
# pg_ctl and postgres_fdw of PostgreSQL 15; runuser runs them as the postgres user.
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql-15)
[ -f /usr/share/postgresql/15/extension/postgres_fdw.control ] || need+=(postgresql-15)
command -v runuser >/dev/null 2>&1 || need+=(util-linux)
command -v npm >/dev/null 2>&1 || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  echo "test.sh: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# axe-core (WCAG checks of report.html in Chromium), pinned, from the npm registry into
# target/: a test dependency only; aikpi itself downloads nothing.
AXE_VERSION=4.14.1
if [ ! -f target/axe/node_modules/axe-core/axe.min.js ] \
  || ! grep -q "\"version\": \"$AXE_VERSION\"" target/axe/node_modules/axe-core/package.json; then
  echo "test.sh: installing axe-core $AXE_VERSION from the npm registry" >&2
  mkdir -p target/axe
  npm install --prefix target/axe --no-save --no-audit --no-fund --silent "axe-core@$AXE_VERSION"
fi
export AIKPI_AXE_CORE="$PWD/target/axe/node_modules/axe-core/axe.min.js"

# doiuse-email (what Gmail and Apple Mail keep of the email body's HTML and CSS, from
# caniemail.com's data), pinned, from the npm registry into target/: a test dependency.
DOIUSE_EMAIL_VERSION=0.4.1
if [ ! -f target/doiuse/node_modules/doiuse-email/package.json ] \
  || ! grep -q "\"version\": \"$DOIUSE_EMAIL_VERSION\"" target/doiuse/node_modules/doiuse-email/package.json; then
  echo "test.sh: installing doiuse-email $DOIUSE_EMAIL_VERSION from the npm registry" >&2
  mkdir -p target/doiuse
  npm install --prefix target/doiuse --no-save --no-audit --no-fund --silent "doiuse-email@$DOIUSE_EMAIL_VERSION"
fi
export AIKPI_DOIUSE_EMAIL="$PWD/target/doiuse/node_modules/doiuse-email"

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "test.sh: starting PostgreSQL" >&2
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

# Snapshot tests never write new snapshots here: a missing or changed one fails.
export INSTA_UPDATE=no
# The integration tests are one binary (tests/it); pass e.g. `--test it render::` to run
# one topic. Tests use as many threads as the machine has cores (libtest's default).
cargo test --all-targets --no-fail-fast "$@"
