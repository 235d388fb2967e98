#!/usr/bin/env bash
# Runs Tavle's whole test suite: formatting, lints, and every test.
# The PostgreSQL half of the store and server tests runs when TAVLE_TEST_POSTGRES_URL is set,
# e.g. TAVLE_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test ./test.sh
set -euo pipefail
cd "$(dirname "$0")"

# The tests drive real peers from Debian's packages: Chromium for the browser suite
# (playwright-core downloads no browsers), litmus (WebDAV conformance), Nextcloud's command-line
# client and rclone (sync), pandoc, LibreOffice and poppler's pdftotext (they read the documents' exports back),
# openssl (the WOPI tests' office server signs its requests with it).
# They are installed here when missing, so this one command works on a fresh machine; without
# root it names the exact command and stops.
packages="chromium fonts-dejavu-core litmus nextcloud-desktop-cmd rclone pandoc libreoffice-writer-nogui poppler-utils openssl python3-venv"
if [ ! -x /usr/bin/chromium ] || ! command -v litmus >/dev/null || ! command -v nextcloudcmd >/dev/null \
  || ! command -v rclone >/dev/null || ! command -v pandoc >/dev/null || ! command -v soffice >/dev/null \
  || ! command -v pdftotext >/dev/null || ! command -v openssl >/dev/null \
  || ! python3 -c 'import ensurepip' 2>/dev/null; then
  install="apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages"
  if [ "$(id -u)" = 0 ]; then
    echo "test.sh: installing the test peers: $packages" >&2
    sh -c "$install"
  else
    echo "test.sh: the tests need Debian packages that are missing. Install them with:" >&2
    echo "  sudo sh -c '$install'" >&2
    exit 1
  fi
fi
# The web app's build (Vite) needs Node.js 20.19 or newer.
node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' \
  || { echo "test.sh: the web app's build (Vite) needs Node.js 20.19 or newer; this is $(node --version 2>/dev/null || echo 'no Node.js')" >&2; exit 1; }

if [ -z "${TAVLE_TEST_POSTGRES_URL:-}" ]; then
  echo "test.sh: TAVLE_TEST_POSTGRES_URL is not set; running the SQLite half only." >&2
fi
# The blob store suite runs against a real S3 server too: Garage, started here on loopback
# when it is installed (`cargo install garage --locked`) and no other server is named.
if [ -z "${TAVLE_TEST_S3_ENDPOINT:-}" ]; then
  if command -v garage >/dev/null; then
    eval "$(scripts/garage-test-server)"
  else
    echo "test.sh: garage is not installed and TAVLE_TEST_S3_ENDPOINT is not set; S3 is not tested." >&2
  fi
fi
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# The web app's TypeScript and Svelte (web/node_modules comes from the tavle-web build above).
(cd web && npx --no-install svelte-check --fail-on-warnings --output machine | tail -n 1)
# The OpenID Connect provider the federated-login tests log in at (oidc-provider from npm,
# pinned by its lock file), installed again whenever the lock file changes.
oidc=crates/tavle/tests/peers/oidc
[ "$oidc/node_modules/.package-lock.json" -nt "$oidc/package-lock.json" ] \
  || npm ci --no-audit --no-fund --prefix "$oidc" >/dev/null
# The SCIM client the provisioning tests run (scim2-tester from PyPI, pinned), in a venv
# made again whenever its requirements change.
scim=crates/tavle/tests/peers/scim
[ "$scim/.venv/installed" -nt "$scim/requirements.txt" ] \
  || { python3 -m venv "$scim/.venv" && "$scim/.venv/bin/pip" install -q -r "$scim/requirements.txt" \
       && touch "$scim/.venv/installed"; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --workspace --locked 2>&1 | tee "$log"
# One closing line for the whole suite (cargo prints one per test binary).
awk '/^test result:/ { p += $4; f += $6 } END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
