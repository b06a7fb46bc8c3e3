#!/usr/bin/env bash
# The whole test suite against the real Kafka, Schema Registry and Redis.
# Installs what is missing into .callboard/ (git-ignored), starts the local infra if it is not
# running, runs typecheck, lint and every vitest test, and stops the infra again if it started it.
# The vitest JSON report lands in .callboard/test-results/vitest.json.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$CB_ROOT"
start=$(date +%s)

ensure_deps
ensure_chromium

started_infra=no
if ! bash infra/local/cb-infra status >/dev/null 2>&1; then
  started_infra=yes
fi
if [ "$started_infra" = yes ]; then
  # Each run starts from an empty Kafka: the thousands of test partitions earlier runs created
  # and deleted only slow leader elections down (seen as NOT_LEADER flakes on a second run).
  rm -rf "$CB_HOME/kafka/data"
fi
started_clusters=no
if ! CB_REDIS_MODE=cluster CB_KAFKA_BROKERS_LOCAL=3 bash infra/local/cb-infra status >/dev/null 2>&1; then
  started_clusters=yes
fi
cleanup() {
  if [ "$started_infra" = yes ]; then
    say "stopping the local infra this run started"
    bash infra/local/cb-infra down || true
  elif [ "$started_clusters" = yes ]; then
    say "stopping the local clusters this run started"
    bash infra/local/cb-infra down redis-cluster kafka-cluster || true
  fi
}
trap cleanup EXIT
say "starting local infra (Kafka, Schema Registry, Redis)"
bash infra/local/cb-infra up
# The cluster project (vitest.config.ts) runs on a 3-master Redis Cluster and three Kafka brokers.
if [ "$started_clusters" = yes ]; then
  # An empty Kafka each run, as for the single node; the cluster id is kept apart from the data.
  rm -rf "$CB_HOME"/kafka-cluster/node-*/data
fi
say "starting the local clusters (Redis Cluster 3+3, Kafka 3 brokers)"
CB_REDIS_MODE=cluster CB_KAFKA_BROKERS_LOCAL=3 bash infra/local/cb-infra up

mkdir -p "$CB_HOME/test-results"
rm -f "$CB_HOME/test-results/vitest.json"
say "typecheck"
pnpm -s typecheck
say "lint (eslint, circular imports)"
pnpm -s lint
say "build (the wallboard)"
pnpm -s build

say "tests (vitest)"
set +e
pnpm -s exec vitest run --reporter=default --reporter=json --outputFile.json="$CB_HOME/test-results/vitest.json" "$@"
rc=$?
set -e
say "test suite finished in $(( $(date +%s) - start )) s (exit $rc)"
exit $rc
