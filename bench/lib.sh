# Shared by the benchmark scripts and tests/reliability (sourced, not run): a release `retu serve` in a temporary
# folder, on SQLite or, when DATABASE_URL is set, on a fresh PostgreSQL database that is dropped
# afterwards, and loading EPCIS documents into it.
#
#   source bench/lib.sh
#   bench_start                      # sets work, retu, backend, server, base, token
#   bench_load -H 'Retu-Shared: true' -- "$work"/docs/*.jsonld

work=$(mktemp -d)
bench_cleanup() {
    [ -n "${server:-}" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    if [ -n "${database:-}" ]; then
        psql "$DATABASE_URL" -q -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" || true
    fi
    rm -rf "$work"
}
trap bench_cleanup EXIT

# RETU_BIN names a binary already built (the reliability scripts in CI use the debug build the
# tests made); otherwise the release build, as benchmarks need.
if [ -n "${RETU_BIN:-}" ]; then
    retu=$(realpath "$RETU_BIN")
else
    cargo build --release --quiet -p retu
    retu=$PWD/target/release/retu
fi

# Starts the server with any extra options given; waits until it listens.
bench_start() {
    local backend_args=()
    backend=SQLite
    if [ -n "${DATABASE_URL:-}" ]; then
        database="retu_bench_$$"
        psql "$DATABASE_URL" -q -c "CREATE DATABASE $database"
        backend_args=(--database-url "${DATABASE_URL%/*}/$database")
        backend=PostgreSQL
    fi
    "$retu" serve --data "$work/data" --listen 127.0.0.1:0 --rate-limit 0 "${backend_args[@]}" "$@" \
        >"$work/out" 2>"$work/err" &
    server=$!
    for _ in $(seq 1 100); do
        grep -q "listening on" "$work/out" 2>/dev/null && break
        sleep 0.1
    done
    base=$(grep -o 'http://[0-9.:]*' "$work/out" | head -n 1)
    token=$(cat "$work/data/admin.token")
}

# POSTs each document after `--` to /epcis/capture with the admin token and the curl options
# before `--`; stops at the first capture that does not succeed.
bench_load() {
    local options=()
    while [ "$1" != "--" ]; do options+=("$1"); shift; done
    shift
    local document status
    for document in "$@"; do
        status=$(curl -s -o "$work/response" -w '%{http_code}' -X POST "$base/epcis/capture" \
            -H "Authorization: Bearer $token" -H 'Content-Type: application/ld+json' \
            "${options[@]}" --data-binary "@$document")
        if [ "$status" != 202 ] || ! grep -q '"success":true' "$work/response"; then
            echo "$document: HTTP $status: $(head -c 400 "$work/response")" >&2
            exit 1
        fi
    done
}
