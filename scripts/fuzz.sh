#!/usr/bin/env bash
# OpenAPI fuzzing with Schemathesis: starts a local FerretDB and the built service (dist/main.js;
# run `npm run build` first) on free ports, creates two organizations with tokens, and runs every
# Schemathesis check against /docs-json. Fails on any 5xx, response not matching its schema,
# undocumented status, ignored authentication, accepted invalid input or refused valid input.
#
#   bash scripts/fuzz.sh
#
# FUZZ_MAX_EXAMPLES (default 100) bounds the cases per operation and FUZZ_SEED (default 20261122)
# fixes the generator so CI runs are repeatable; FUZZ_SERVICE_ENTRY points at another build.
# Schemathesis is installed from PyPI into a virtualenv cached outside the repository.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
MAX_EXAMPLES=${FUZZ_MAX_EXAMPLES:-100}
SEED=${FUZZ_SEED:-20261122}
SERVICE_ENTRY=${FUZZ_SERVICE_ENTRY:-dist/main.js}
CACHE_ROOT=${XDG_CACHE_HOME:-$HOME/.cache}/org-management-service
VENV=$CACHE_ROOT/schemathesis-venv-$SCHEMATHESIS_VERSION

log() { echo "[fuzz] $*" >&2; }
started=$(date +%s)

[ -f "$SERVICE_ENTRY" ] || { log "$SERVICE_ENTRY not found: run npm run build first"; exit 1; }

if ! "$VENV/bin/st" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  log "installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/fuzz-XXXXXX")
# As root the local PostgreSQL runs as an unprivileged user, who must reach its data inside.
chmod 711 "$work"
db_pid=""
service_pid=""
stop_all() {
  # The FerretDB wrapper stops its server on SIGTERM; the service shuts down gracefully on it.
  for pid in $service_pid $db_pid; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$work"
}
trap stop_all EXIT

free_port() { node --input-type=module -e "import { freePort } from './scripts/ferretdb.mjs'; console.log(await freePort());"; }

wait_until() {
  local what=$1 pid=$2 deadline=$(($(date +%s) + 30))
  shift 2
  until "$@" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { log "$what exited during start-up"; return 1; }
    [ "$(date +%s)" -lt "$deadline" ] || { log "$what did not start within 30 s"; return 1; }
    sleep 0.2
  done
}

node scripts/ferretdb.mjs ensure >/dev/null
db_port=$(free_port)
node scripts/ferretdb.mjs run "$db_port" "$work/db" 2>"$work/ferretdb.log" &
db_pid=$!
wait_until FerretDB "$db_pid" node -e "require('net').connect($db_port, '127.0.0.1').on('connect', () => process.exit(0)).on('error', () => process.exit(1))" \
  || { cat "$work/ferretdb.log" >&2; exit 1; }

port=$(free_port)
base_url="http://127.0.0.1:$port"
# Production mode with cheap argon2 settings: the fuzzer creates many organizations, and its wrong
# logins from one address would otherwise lock the address (and the later runs' logins) out; its
# record requests, faster than the fair share, would mostly be answered 429.
operator_key=$(node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))")
NODE_ENV=production HOST=127.0.0.1 PORT="$port" MONGODB_URI="mongodb://127.0.0.1:$db_port/" \
  JWT_SECRET="$(node -e "console.log(require('crypto').randomBytes(48).toString('base64url'))")" \
  PLATFORM_API_KEYS="$operator_key" \
  ARGON2_MEMORY_KIB=8192 ARGON2_TIME_COST=1 LOG_LEVEL=warn RECONCILE_INTERVAL_SECONDS=5 ONBOARDING_RATE_LIMIT=1000000 \
  LOGIN_MAX_FAILURES_PER_IP=10000 TENANT_RATE_LIMIT=1000000 \
  node "$SERVICE_ENTRY" >"$work/service.log" 2>&1 &
service_pid=$!
wait_until "the service" "$service_pid" curl -sf "$base_url/health" || { cat "$work/service.log" >&2; exit 1; }
log "FerretDB (pid $db_pid) on port $db_port, service (pid $service_pid) on $base_url"

# An organization and a token for the fuzzer. Returns the token.
organization_token() {
  local name=$1 email=$2 password=fuzz-passphrase-$RANDOM-$RANDOM
  curl -sf -X POST "$base_url/org/create" -H 'Content-Type: application/json' \
    -d "{\"organization_name\":\"$name\",\"email\":\"$email\",\"password\":\"$password\"}" >/dev/null
  curl -sf -X POST "$base_url/admin/login" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$email\",\"password\":\"$password\"}" \
    | node -e "let s='';process.stdin.on('data',c=>s+=c).on('end',()=>console.log(JSON.parse(s).access_token))"
}

run_schemathesis() {
  local label=$1 token=$2
  shift 2
  log "schemathesis ($label): up to $MAX_EXAMPLES cases per operation, seed $SEED"
  # One worker: concurrent workers trip a CPython 3.11 ast race inside Hypothesis ("AST constructor
  # recursion depth mismatch"), reported as a run error.
  PYTHONPATH=scripts SCHEMATHESIS_HOOKS=schemathesis_hooks \
    "$VENV/bin/st" --config-file scripts/schemathesis.toml --no-color run "$base_url/docs-json" \
    --checks all --max-examples "$MAX_EXAMPLES" --seed "$SEED" --workers 1 --generation-database none \
    --header "Authorization: Bearer $token" "$@" 2>&1 | tee "$work/$label.log"
  local status=${PIPESTATUS[0]}
  grep -E "^ *[0-9]+ generated|^=+ .* in [0-9.]+s =+$" "$work/$label.log" | sed "s/^ */[fuzz] $label: /" >>"$work/counts"
  return "$status"
}

# Updating the account's email or password (PUT /org/update, PATCH /me), logging out and deleting the organization end the token
# they used: each of those operations gets an organization of its own, so that every other
# operation (members, invitations, audit log included) keeps a working token. Those runs have no
# stateful phase: the OpenAPI links lead to operations outside them.
# The operator routes (/platform/*, GET /org/list) take the operator key, not a member's token: they
# run last, with it, as suspending or deleting an organization would end the other runs' tokens.
status=0
single_operations=(--phases examples,coverage,fuzzing)
operator_routes=(--exclude-path-regex '^/platform/' --exclude-path /org/list)
run_schemathesis api "$(organization_token 'Fuzz Main' fuzz-main@example.com)" "${operator_routes[@]}" \
  --exclude-path /org/update --exclude-path /org/delete --exclude-path /admin/logout --exclude-path /admin/logout/all \
  --exclude-path /me || status=1
run_schemathesis logout "$(organization_token 'Fuzz Logout' fuzz-logout@example.com)" "${single_operations[@]}" \
  --include-path /admin/logout --include-path /admin/logout/all || status=1
run_schemathesis update "$(organization_token 'Fuzz Update' fuzz-update@example.com)" "${single_operations[@]}" \
  --include-path /org/update || status=1
run_schemathesis delete "$(organization_token 'Fuzz Delete' fuzz-delete@example.com)" "${single_operations[@]}" \
  --include-path /org/delete || status=1
run_schemathesis account "$(organization_token 'Fuzz Account' fuzz-account@example.com)" "${single_operations[@]}" \
  --include-path /me || status=1
run_schemathesis platform "$operator_key" "${single_operations[@]}" \
  --include-path-regex '^/platform/' --include-path /org/list || status=1

if grep -q '"level":50' "$work/service.log"; then
  log "the service logged errors:"
  grep '"level":50' "$work/service.log" >&2
  status=1
fi
cat "$work/counts" >&2
log "finished in $(($(date +%s) - started)) s: $([ "$status" -eq 0 ] && echo 'no failures' || echo 'FAILURES')"
exit "$status"
