# Shared by scripts/*: repo paths, progress output, and a pnpm that lives inside the repo.
# Sourced, not run.
CB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CB_HOME="${CB_HOME:-$CB_ROOT/.callboard}"
# Tools live apart from CB_HOME (service state), so wiping the state keeps the toolchain.
CB_TOOLS="$CB_ROOT/.tools"

say() { printf '\033[1m[callboard]\033[0m %s\n' "$*"; }
die() { printf '\033[31m[callboard] %s\033[0m\n' "$*" >&2; exit 1; }

# pnpm is pinned by package.json "packageManager". It is installed with npm into .callboard/tools:
# npm checks the tarball's registry integrity hash, whereas the corepack shipped with Node 20 rejects
# the registry's current signing keys (see docs/decisions/0002-pnpm-bootstrap.md).
ensure_pnpm() {
  local want
  want="$(node -p "require('$CB_ROOT/package.json').packageManager.split('@')[1]")"
  if [ ! -x "$CB_TOOLS/node_modules/.bin/pnpm" ] || [ "$("$CB_TOOLS/node_modules/.bin/pnpm" --version)" != "$want" ]; then
    say "installing pnpm $want into $CB_TOOLS"
    mkdir -p "$CB_TOOLS"
    npm install --silent --no-audit --no-fund --prefix "$CB_TOOLS" "pnpm@$want" >/dev/null
  fi
  export PATH="$CB_TOOLS/node_modules/.bin:$PATH"
}

ensure_node() {
  command -v node >/dev/null || die "Node.js 20 or newer is needed (apt-get install nodejs, or nvm)"
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  [ "$major" -ge 20 ] || die "Node.js 20 or newer is needed; this is $(node --version)"
}

# Installs the workspace's dependencies; a no-op in a second or so when nothing changed.
ensure_deps() {
  ensure_node
  ensure_pnpm
  say "installing workspace dependencies (pnpm install)"
  (cd "$CB_ROOT" && pnpm install --frozen-lockfile --prefer-offline --reporter=append-only) || die "pnpm install failed"
}

# Debian's Chromium for the browser tests (no browser download: the machine reaches registries only).
ensure_chromium() {
  # A CJK font too: without one Chromium draws the zh-CN wallboard as empty boxes.
  if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi 'wqy\|noto.*cjk'; then return; fi
  command -v apt-get >/dev/null || die "Chromium is missing and apt-get is not available: install chromium"
  say "installing Debian's chromium and a CJK font (apt-get)"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
  [ -x /usr/bin/chromium ] || die "chromium did not install"
}

# A signing secret of this checkout in variable $1: generated once into CB_HOME/$2 (git-ignored, owner-only),
# unless the environment already sets it.
ensure_secret() {
  local var="$1" file="$CB_HOME/$2"
  if [ -z "${!var:-}" ]; then
    mkdir -p "$CB_HOME"
    [ -s "$file" ] || (umask 077 && node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("base64url"))' >"$file")
    export "$var=$(cat "$file")"
  fi
}

# The token secrets of this checkout: the gateway's, and the HTTP ingest's own (never the same value;
# docs/ingest/http.md#authentication), kept in .callboard/gateway-secret and .callboard/ingest-token-secret.
ensure_gateway_secret() {
  ensure_secret CB_GATEWAY_SECRET gateway-secret
  ensure_secret CB_INGEST_TOKEN_SECRET ingest-token-secret
}
