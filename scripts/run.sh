#!/usr/bin/env bash
# The whole demo: local Kafka, Schema Registry and Redis (Redis with AOF on), topics and
# schemas, then every callboard service in the foreground with simulated traffic.
# Ctrl-C stops the services and the infra cleanly; running it again works.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$CB_ROOT"

ensure_deps
ensure_gateway_secret
say "building the wallboard"
pnpm -s build

export CB_REDIS_AOF="${CB_REDIS_AOF:-yes}"
say "starting local infra (Kafka, Schema Registry, Redis with AOF)"
bash infra/local/cb-infra up
say "creating topics and registering schemas"
pnpm -s callboard infra provision
# A Redis kept from a demo run before issue 9 holds the previous store layout, which the aggregator
# refuses (CB_STORE_LAYOUT_OLD). No aggregator runs yet, so moving it now is the documented, safe step.
if ! pnpm -s callboard store check >/dev/null 2>&1; then
  say "moving the KPI store kept from an earlier demo to the current layout (callboard store migrate)"
  pnpm -s callboard store migrate >/dev/null
fi

# The demo floor (services/simulator/config/demo.json): queues busy day and night at their peak
# rate, a roster sized with Erlang C to meet each queue's SL target, and a scripted incident every
# 5 minutes from the first minute on (agents leave a queue for 2 minutes), so an alert fires,
# can be acknowledged and resolves. It starts with 30 minutes of (incident-free) history.
export CB_SIM_CONFIG="${CB_SIM_CONFIG:-services/simulator/config/demo.json}"
export CB_SIM_BACKFILL_MINUTES="${CB_SIM_BACKFILL_MINUTES:-30}"
export CB_SIM_SEED="${CB_SIM_SEED:-$(date +%s)}"

pids=()
stopping=no
stop_all() {
  [ "$stopping" = yes ] && return
  stopping=yes
  # A second Ctrl-C (or TERM) must not cut the clean-up short and leave services running.
  trap '' INT TERM
  say "stopping services"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  say "stopping local infra"
  bash infra/local/cb-infra down || true
}
trap stop_all EXIT
trap 'exit 130' INT TERM

mkdir -p "$CB_HOME/logs"
start_bg() {
  local name="$1"; shift
  # Its own session: the terminal's Ctrl-C reaches only this script, whose trap stops each service once.
  setsid node --import tsx packages/cli/src/main.ts "$@" >"$CB_HOME/logs/$name.log" 2>&1 &
  pids+=($!)
  say "$name started (pid $!); logs: $CB_HOME/logs/$name.log"
}
# The default alert rules page http://127.0.0.1:9402/hook; a local receiver prints what they send.
start_bg webhook webhook listen --port 9402
for service in aggregator alerter gateway simulator; do
  start_bg "$service" run "$service"
done

# A PBX too (issue 10 item 6): a small replayer appends the shipped queue_log sample to a file in
# $CB_HOME at the pace its own times say, rebased to now (10 minutes of it at once), and again when
# it ends; the Asterisk adapter tails that file as it would a real Asterisk's, for acme-telecom
# (the sample's queue "support" is the tenant's "tech-support", by a mapping file).
export CB_ASTERISK_QUEUE_LOG="$CB_HOME/asterisk-demo/queue_log" CB_ASTERISK_STATE_DIR="$CB_HOME/asterisk-demo/state"
export CB_ASTERISK_TENANT=acme-telecom CB_ASTERISK_SERVER_ID=demo-pbx CB_ASTERISK_QUEUES_MAP=services/ingest-asterisk/config/demo-names.json
export CB_ASTERISK_WRAPUP_BY_QUEUE=support=15000,sales=10000
setsid node --import tsx services/ingest-asterisk/src/demo-replay.ts --sample packages/ingest-asterisk/samples/queue_log.sample --out "$CB_ASTERISK_QUEUE_LOG" >"$CB_HOME/logs/asterisk-replay.log" 2>&1 &
pids+=($!)
say "asterisk replay started (pid $!); the PBX's queue_log: $CB_ASTERISK_QUEUE_LOG"
start_bg ingest-asterisk run ingest-asterisk

gw="http://127.0.0.1:${CB_GATEWAY_PORT:-9404}"
say "wallboard (acme-telecom):     $gw/#token=$(pnpm -s callboard token --tenant acme-telecom --role wallboard --ttl 7d)"
say "lead view (can acknowledge):  $gw/#token=$(pnpm -s callboard token --tenant acme-telecom --role lead --ttl 12h)"
say "running. Watch the traffic:   pnpm callboard tail --topic cc.call-events.v1"
say "live KPIs of a queue:         pnpm callboard query --tenant acme-telecom --queue billing --window rolling-15m"
say "alerts of a tenant:           pnpm callboard alerts list --tenant acme-telecom"
say "pages sent by the alerter:    tail -f $CB_HOME/logs/webhook.log"
say "operational metrics:          http://127.0.0.1:9401/metrics (aggregator), http://127.0.0.1:9403/metrics (alerter), http://127.0.0.1:${CB_GATEWAY_OPS_PORT:-9405}/metrics (gateway), http://127.0.0.1:9407/metrics (asterisk adapter)"
say "KPI gauges (need a token):    curl -H \"Authorization: Bearer \$TOKEN\" $gw/metrics"
say "Ctrl-C stops everything."
# Exit (and so stop everything) when any service dies.
wait -n "${pids[@]}"
say "a service stopped; see the logs above"
exit 1
