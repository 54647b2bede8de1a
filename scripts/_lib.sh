# Shared set-up for scripts/run and scripts/test: source it, don't run it.
# Every step is idempotent and says what to install when something is missing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${KYC_VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"
mkdir -p "$ROOT/var"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf '\033[31mError: %s\033[0m\n' "$*" >&2; exit 1; }

# ensure_venv [dev]: the virtualenv with the locked runtime set (requirements.txt) and, with
# "dev", the locked test/tool set (requirements/dev.txt) too. Installed with --require-hashes:
# every package is pinned and checked against the hashes in the locks. Skipped when the locks'
# sha256 matches what was last installed into this virtualenv (one stamp per set).
ensure_venv() {
  local set="${1:-runtime}"
  if [ ! -x "$PY" ]; then
    command -v python3 >/dev/null || die "python3 is needed (Debian: apt-get install python3 python3-venv)"
    say "creating virtualenv $VENV"
    python3 -m venv "$VENV" || die "could not create a virtualenv (Debian: apt-get install python3-venv)"
  fi
  local files=(requirements.txt) stamp="$VENV/.requirements.sha256"
  if [ "$set" = dev ]; then files+=(requirements/dev.txt); stamp="$VENV/.requirements-dev.sha256"; fi
  local want have
  want="$(cat "${files[@]}" | sha256sum | cut -d' ' -f1)"
  have="$(cat "$stamp" 2>/dev/null || true)"
  if [ "$want" != "$have" ]; then
    say "installing ${files[*]}"
    local args=()
    for f in "${files[@]}"; do args+=(-r "$f"); done
    "$PY" -m pip install -q --disable-pip-version-check --require-hashes "${args[@]}"
    echo "$want" > "$stamp"
    # The dev set includes the runtime set: scripts/run need not install again.
    if [ "$set" = dev ]; then sha256sum < requirements.txt | cut -d' ' -f1 > "$VENV/.requirements.sha256"; fi
  fi
}

# Debian packages the tests and the engine use (speech synthesis for test media, a browser for UI tests).
# Arguments are "command:package" or "/path/of/a/file:package".
ensure_debs() {
  local missing=()
  local pkg bin
  for pkg in "$@"; do
    bin="${pkg%%:*}"; pkg="${pkg#*:}"
    if [ "${bin:0:1}" = / ]; then [ -e "$bin" ] || missing+=("$pkg")   # a file the package installs
    else command -v "$bin" >/dev/null 2>&1 || missing+=("$pkg"); fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing Debian packages: ${missing[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    die "missing Debian packages: ${missing[*]} (sudo apt-get install ${missing[*]})"
  fi
}

redis_ping() {
  "$PY" - "$1" <<'PYEOF' >/dev/null 2>&1
import sys, redis
redis.Redis.from_url(sys.argv[1], socket_connect_timeout=1).ping()
PYEOF
}

# Use Redis when reachable; start a local redis-server if one is installed; else say what to install.
ensure_redis() {
  local url="$1"
  redis_ping "$url" && return 0
  local port
  port="$(echo "$url" | sed -E 's#^redis://([^/:]*)(:([0-9]+))?.*#\3#')"; port="${port:-6379}"
  if command -v redis-server >/dev/null; then
    say "starting redis-server on 127.0.0.1:$port"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
      --dir "$ROOT/var" --logfile "$ROOT/var/redis.log"
    for _ in $(seq 1 50); do redis_ping "$url" && return 0; sleep 0.1; done
    die "redis-server did not come up; see var/redis.log"
  fi
  die "Redis is needed at $url and no redis-server is installed (Debian: apt-get install redis-server)"
}

ensure_postgres() {
  local host="${PGHOST:-127.0.0.1}" port="${PGPORT:-5432}"
  "$PY" - "$host" "$port" <<'PYEOF' >/dev/null 2>&1 && return 0
import sys, psycopg
psycopg.connect(host=sys.argv[1], port=int(sys.argv[2]), user="postgres", dbname="postgres", connect_timeout=2).close()
PYEOF
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    say "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start || true
    sleep 2
    return 0
  fi
  die "PostgreSQL is needed at $host:$port (Debian: apt-get install postgresql)"
}

# Development secrets, generated once into .env (git-ignored). Production sets real ones.
ensure_dev_env_file() {
  [ -f "$ROOT/.env" ] && return 0
  say "generating development secrets in .env"
  "$PY" - > "$ROOT/.env" <<'PYEOF'
import base64, secrets
print(f"SECRET_KEY={secrets.token_urlsafe(50)}")
print(f"MEDIA_ENCRYPTION_KEYS=dev1:{base64.b64encode(secrets.token_bytes(32)).decode()}")
PYEOF
}
