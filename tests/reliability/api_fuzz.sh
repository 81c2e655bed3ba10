#!/usr/bin/env bash
# API fuzzing from Retu's own OpenAPI description with schemathesis (PyPI): every operation of
# /openapi.json, with generated inputs valid and invalid, as the administrator (who reaches
# every code path) and then anonymously. It fails on any 5xx answer, on a server that dies or
# logs a panic, and on answers that contradict the description (status codes and content types
# it does not list). The number of examples is bounded so that CI stays short.
#
#   RETU_BIN=target/debug/retu bash tests/reliability/api_fuzz.sh
#
# Without RETU_BIN a release build is made. API_FUZZ_EXAMPLES (default 30) is the most examples
# an operation; API_FUZZ_SEED fixes the generator's seed to replay a run; DATABASE_URL runs it
# on a fresh PostgreSQL database (bench/lib.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v schemathesis >/dev/null || { echo "api_fuzz: schemathesis is not installed (pip install schemathesis)" >&2; exit 1; }
examples=${API_FUZZ_EXAMPLES:-30}
seed=${API_FUZZ_SEED:-$RANDOM}

source bench/lib.sh
bench_start
echo "api_fuzz: $backend at $base, seed $seed, at most $examples examples an operation"

# Some real records first, so that queries, traces and the consumer's item answer with data
# rather than only with empty lists and 404s.
vectors=${RETU_VECTORS:-../shared/vectors}
bench_load -H 'Retu-Shared: true' -- "$vectors"/epcis/derived/farm/*.jsonld

status=0
for who in admin anonymous; do
    auth=()
    [ "$who" = admin ] && auth=(-H "Authorization: Bearer $token")
    echo "api_fuzz: as $who"
    schemathesis run "$base/openapi.json" "${auth[@]}" \
        --checks not_a_server_error,status_code_conformance,content_type_conformance \
        --max-examples "$examples" --seed "$seed" --phases examples,coverage,fuzzing \
        --workers 2 --request-timeout 30 --generation-database none --no-color || status=1
    if ! kill -0 "$server" 2>/dev/null; then
        tail -n 50 "$work/err" >&2
        echo "api_fuzz: the server died" >&2
        exit 1
    fi
done
if grep -n "panicked" "$work/err" >&2; then
    echo "api_fuzz: the server logged a panic" >&2
    status=1
fi
[ "$status" = 0 ] && echo "api_fuzz: no server error, no crash, every answer as described"
exit $status
