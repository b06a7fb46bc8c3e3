#!/usr/bin/env bash
# Checks by hand what `CB_REDIS_MODE=cluster CB_KAFKA_BROKERS_LOCAL=3 cb-infra up` promises
# (docs/infra.md "Clusters"): starts the clusters, checks them, stops them, and says PASS or FAIL
# per step. Run it with a CB_HOME (and ports) of its own when another infra runs from the default:
#
#   CB_HOME=/tmp/cb-cluster CB_REGISTRY_PORT=38081 bash infra/local/cluster-check.sh
#
# It runs `cb-infra up` twice (the second must find everything up), `status`, writes a key through
# `redis-cli -c` and finds it on the master of its slot only, provisions the topics under a random
# prefix and describes one with Kafka's own TopicCommand (replication factor 3, min.insync.replicas
# 2), runs test/cluster/ (a produce and consume through kafkajs, the Cluster client), restarts both
# clusters (`down`, `up`: the key is still there, the cluster is not created again), and ends with
# `down` and no process of this CB_HOME left. Exit 0 only if every step passed.
set -uo pipefail
export CB_REDIS_MODE=cluster CB_KAFKA_BROKERS_LOCAL=3
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"
source "$CB_INFRA_DIR/redis/redis-cluster.sh"
source "$CB_INFRA_DIR/kafka/kafka.sh"
source "$CB_INFRA_DIR/kafka/kafka-cluster.sh"
validate_env
CB_INFRA="$CB_INFRA_DIR/cb-infra"
PATH="$CB_ROOT/.tools/node_modules/.bin:$PATH"
failed=0
pass() { printf '[check] PASS %s\n' "$*"; }
fail() {
  printf '[check] FAIL %s\n' "$*"
  failed=$((failed + 1))
}
step() { printf '\n[check] --- %s\n' "$*"; }

step "down first, so that the first up starts from stopped processes"
bash "$CB_INFRA" down >/dev/null 2>&1

step "up (first)"
t0=$SECONDS
bash "$CB_INFRA" up 2>&1 | tee "$CB_HOME/check-up1.log" || fail "first up exited non-zero"
pass "first up took $((SECONDS - t0)) s"

step "up (second: everything already up)"
t0=$SECONDS
out="$(bash "$CB_INFRA" up 2>&1)" || fail "second up exited non-zero"
echo "$out"
if grep -q 'redis-cluster: already up' <<<"$out" && grep -q 'kafka-cluster: already up' <<<"$out" &&
  ! grep -q 'creating the cluster' <<<"$out"; then
  pass "second up found both clusters up, created nothing, took $((SECONDS - t0)) s"
else
  fail "second up did not find both clusters already up"
fi

step "status"
bash "$CB_INFRA" status && pass "status exit 0" || fail "status exit $?"
bash "$CB_INFRA" redis-cluster-nodes
bash "$CB_INFRA" kafka-cluster-nodes

step "Redis Cluster: cluster info, and a key written through redis-cli -c"
base="$CB_REDIS_CLUSTER_PORT"
redis-cli -p "$base" cluster info | tr -d '\r' | grep -E '^cluster_(state|slots_assigned|slots_ok|known_nodes|size):'
[ "$(rc_info "$base" cluster_state)" = ok ] && [ "$(rc_info "$base" cluster_slots_ok)" = 16384 ] &&
  pass "cluster_state ok, 16384 slots ok" || fail "cluster info not ok"
key="check-$RANDOM$RANDOM"
redis-cli -c -p "$base" set "$key" here >/dev/null
slot="$(redis-cli -p "$base" cluster keyslot "$key")"
owner=""
while read -r port pid role _; do
  [ "$role" = master ] || continue
  got="$(redis-cli -p "$port" get "$key" 2>&1 | tr -d '\r')"
  echo "  master $port (pid $pid): GET $key -> $got"
  [ "$got" = here ] && owner="$port"
done < <(bash "$CB_INFRA" redis-cluster-nodes)
# CLUSTER NODES: "id ip:port@bus flags master-id ping pong epoch link slot-range…"; a master's ranges from field 9.
expected="$(redis-cli -p "$base" cluster nodes | tr -d '\r' | awk -v s="$slot" '$3 ~ /master/ && $3 !~ /fail/ {
  for (i = 9; i <= NF; i++) { n = split($i, r, "-"); if (n == 1) r[2] = r[1]; if (s + 0 >= r[1] + 0 && s + 0 <= r[2] + 0) { split($2, a, "[:@]"); print a[2] } } }')"
echo "  slot $slot: CLUSTER NODES names master $expected; the key answered on $owner"
[ -n "$owner" ] && [ "$owner" = "$expected" ] && pass "key $key (slot $slot) lives on master $owner, the owner of its slot" ||
  fail "key $key: found on '$owner', slot owner '$expected'"

step "Kafka: provision topics under a random prefix; describe one with TopicCommand"
prefix="check-$RANDOM."
brokers="$(kc_brokers)"
CB_KAFKA_BROKERS="$brokers" CB_REGISTRY_URL="http://127.0.0.1:$CB_REGISTRY_PORT" CB_TOPIC_PREFIX="$prefix" \
  CB_LOG_LEVEL=warn pnpm -s --dir "$CB_ROOT" callboard infra provision || fail "provision failed"
topic="$(java -cp "$KAFKA_LIBS/*" org.apache.kafka.tools.TopicCommand --bootstrap-server "$brokers" --list 2>/dev/null |
  grep -F "$prefix" | head -n1)"
desc="$(java -cp "$KAFKA_LIBS/*" org.apache.kafka.tools.TopicCommand --bootstrap-server "$brokers" --describe --topic "$topic" 2>/dev/null)"
echo "$desc"
grep -q 'ReplicationFactor: 3' <<<"$desc" && grep -q 'min.insync.replicas=2' <<<"$desc" &&
  pass "$topic: ReplicationFactor 3, min.insync.replicas=2" || fail "$topic is not RF 3 / min.insync 2"
java -cp "$KAFKA_LIBS/*" org.apache.kafka.tools.TopicCommand --bootstrap-server "$brokers" --delete --topic "$prefix.*" >/dev/null 2>&1 || true

step "test/cluster through kafkajs and the Cluster client (pnpm exec vitest run test/cluster)"
if CB_REDIS_URL="$(rc_urls)" CB_KAFKA_BROKERS="$brokers" CB_REGISTRY_URL="http://127.0.0.1:$CB_REGISTRY_PORT" \
  pnpm -s --dir "$CB_ROOT" exec vitest run test/cluster packages/runtime/test/provision.test.ts 2>&1 | grep -v '"level":50'; then
  pass "vitest test/cluster and provision.test.ts on the clusters"
else
  fail "vitest on the clusters"
fi

step "restart: down, up (nodes.conf and AOF reused)"
bash "$CB_INFRA" down || fail "down exited non-zero"
out="$(bash "$CB_INFRA" up 2>&1)" || fail "up after down exited non-zero"
echo "$out" | grep -E 'redis-cluster|kafka-cluster|all up'
grep -q 'creating the cluster' <<<"$out" && fail "the cluster was created again" || pass "restart reused the cluster state"
got="$(redis-cli -c -p "$base" get "$key" | tr -d '\r')"
[ "$got" = here ] && pass "key $key survived the restart" || fail "key $key after restart: '$got'"
redis-cli -c -p "$base" del "$key" >/dev/null

step "down leaves no process of this CB_HOME"
bash "$CB_INFRA" down || fail "down exited non-zero"
left="$(pgrep -f -- "$CB_MARK" || true)"
[ -z "$left" ] && pass "no process of $CB_HOME runs" || fail "still running: $left"

echo
if ((failed == 0)); then echo "[check] ALL PASSED"; else echo "[check] $failed FAILED"; fi
exit $((failed > 0))
