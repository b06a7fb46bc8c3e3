# Shared by infra/local/cb-infra and the per-service files it sources.
# Sourced, not run. Everything a run creates lives under CB_HOME, so two
# checkouts with different CB_HOME and ports never share a pid, log or data file.

CB_INFRA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CB_ROOT="$(cd "$CB_INFRA_DIR/../.." && pwd)"

CB_HOME="${CB_HOME:-$CB_ROOT/.callboard}"
mkdir -p "$CB_HOME"
CB_HOME="$(cd "$CB_HOME" && pwd)" # absolute: it ends up in config files and command lines

CB_KAFKA_PORT="${CB_KAFKA_PORT:-9092}"
CB_KAFKA_CONTROLLER_PORT="${CB_KAFKA_CONTROLLER_PORT:-9093}"
CB_REGISTRY_PORT="${CB_REGISTRY_PORT:-8081}"
# Apicurio itself listens here; CB_REGISTRY_PORT is the Confluent-style front (registry/proxy.mjs).
# Derived from CB_REGISTRY_PORT so that a second checkout only has to move the public port.
CB_REGISTRY_BACKEND_PORT="${CB_REGISTRY_BACKEND_PORT:-$((CB_REGISTRY_PORT + 10000))}"
CB_REDIS_PORT="${CB_REDIS_PORT:-6379}"
CB_REDIS_AOF="${CB_REDIS_AOF:-no}"
# Cluster options (issue 9), off by default: CB_REDIS_MODE=cluster runs six Redis Cluster nodes
# (3 masters, 3 replicas) on CB_REDIS_CLUSTER_PORT..+5 instead of the single Redis;
# CB_KAFKA_BROKERS_LOCAL=3 runs three KRaft nodes on CB_KAFKA_CLUSTER_PORT..+2 (controllers on
# CB_KAFKA_CLUSTER_CONTROLLER_PORT..+2) instead of the single node. Their ports differ from the
# single-node ones, so both kinds can run side by side from one CB_HOME.
CB_REDIS_MODE="${CB_REDIS_MODE:-single}"
CB_REDIS_CLUSTER_PORT="${CB_REDIS_CLUSTER_PORT:-7001}"
CB_KAFKA_BROKERS_LOCAL="${CB_KAFKA_BROKERS_LOCAL:-1}"
CB_KAFKA_CLUSTER_PORT="${CB_KAFKA_CLUSTER_PORT:-39092}"
CB_KAFKA_CLUSTER_CONTROLLER_PORT="${CB_KAFKA_CLUSTER_CONTROLLER_PORT:-39192}"
CB_INFRA_TIMEOUT="${CB_INFRA_TIMEOUT:-120}" # seconds to wait for each service to become healthy
CB_STOP_TIMEOUT="${CB_STOP_TIMEOUT:-30}"    # seconds between SIGTERM and SIGKILL

CB_RUN="$CB_HOME/run"
CB_LOGS="$CB_HOME/logs"
CB_M2="$CB_HOME/m2"
# Every process we start carries this string in its command line. It is how a
# pid (from a pid file or from a listening socket) is recognised as ours and
# not a recycled pid or another checkout's process. The trailing slash keeps
# CB_HOME=/tmp/cb from matching /tmp/cb2.
CB_MARK="$CB_HOME/"

say()  { printf '[infra] %s\n' "$*"; }
warn() { printf '[infra] WARNING: %s\n' "$*" >&2; }
die()  { printf '[infra] ERROR: %s\n' "$*" >&2; exit 1; }

validate_env() {
  local v
  for v in CB_KAFKA_PORT CB_KAFKA_CONTROLLER_PORT CB_REGISTRY_PORT CB_REGISTRY_BACKEND_PORT CB_REDIS_PORT \
           CB_REDIS_CLUSTER_PORT CB_KAFKA_CLUSTER_PORT CB_KAFKA_CLUSTER_CONTROLLER_PORT \
           CB_INFRA_TIMEOUT CB_STOP_TIMEOUT; do
    [[ "${!v}" =~ ^[0-9]+$ ]] || die "$v must be a number, got '${!v}'"
  done
  for v in CB_KAFKA_PORT CB_KAFKA_CONTROLLER_PORT CB_REGISTRY_PORT CB_REGISTRY_BACKEND_PORT CB_REDIS_PORT; do
    ((${!v} > 0 && ${!v} < 65536)) || die "$v=${!v} is not a valid port"
  done
  # A cluster base port is the first of a run: six Redis ports (each with its bus port +10000), three Kafka ports.
  ((CB_REDIS_CLUSTER_PORT > 0 && CB_REDIS_CLUSTER_PORT + 5 + 10000 < 65536)) ||
    die "CB_REDIS_CLUSTER_PORT=$CB_REDIS_CLUSTER_PORT: it and the next five ports, each + 10000 (cluster bus), must be valid ports"
  for v in CB_KAFKA_CLUSTER_PORT CB_KAFKA_CLUSTER_CONTROLLER_PORT; do
    ((${!v} > 0 && ${!v} + 2 < 65536)) || die "$v=${!v}: it and the next two ports must be valid ports"
  done
  local ports i
  ports="$(
    printf '%s\n' "$CB_KAFKA_PORT" "$CB_KAFKA_CONTROLLER_PORT" "$CB_REGISTRY_PORT" "$CB_REGISTRY_BACKEND_PORT" "$CB_REDIS_PORT"
    for i in 0 1 2 3 4 5; do printf '%s\n' $((CB_REDIS_CLUSTER_PORT + i)) $((CB_REDIS_CLUSTER_PORT + i + 10000)); done
    for i in 0 1 2; do printf '%s\n' $((CB_KAFKA_CLUSTER_PORT + i)) $((CB_KAFKA_CLUSTER_CONTROLLER_PORT + i)); done
  )"
  ports="$(sort <<<"$ports" | uniq -d | tr '\n' ' ')"
  [ -z "$ports" ] || die "the same port is configured twice (the cluster variables each cover a run of ports, see docs/infra.md): $ports"
  case "$CB_REDIS_AOF" in yes | no) ;; *) die "CB_REDIS_AOF must be yes or no, got '$CB_REDIS_AOF'" ;; esac
  case "$CB_REDIS_MODE" in single | cluster) ;; *) die "CB_REDIS_MODE must be single or cluster, got '$CB_REDIS_MODE'" ;; esac
  case "$CB_KAFKA_BROKERS_LOCAL" in 1 | 3) ;; *) die "CB_KAFKA_BROKERS_LOCAL must be 1 or 3, got '$CB_KAFKA_BROKERS_LOCAL'" ;; esac
}

need() { command -v "$1" >/dev/null 2>&1 || die "'$1' is needed: $2"; }

# --- processes ----------------------------------------------------------------

# True if pid $1 is alive and its command line carries our mark.
is_ours() {
  local pid="$1" cmd
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ "$cmd" == *"$CB_MARK"* ]]
}

# Prints the pid of process NAME if it runs; removes a stale pid file (crashed
# run, reboot, recycled pid) so that the next start is clean.
running_pid() {
  local f="$CB_RUN/$1.pid" pid
  [ -f "$f" ] || return 1
  pid="$(tr -dc '0-9' <"$f")"
  if is_ours "$pid"; then
    echo "$pid"
    return 0
  fi
  rm -f "$f" "$CB_RUN/$1.ports"
  return 1
}

# start_bg NAME LOGFILE CMD...: runs CMD detached, appending its output to LOGFILE.
# setsid gives it its own session, so a Ctrl-C or a closed terminal in the shell
# that ran `cb-infra up` does not reach it. The child writes its own pid before
# exec'ing, so the pid file holds the real server pid whatever setsid does.
start_bg() {
  local name="$1" log="$2"
  shift 2
  rm -f "$CB_RUN/$name.pid"
  # shellcheck disable=SC2016 # $$, $0 and $@ are the child's own
  # 9>&-: the daemon must not inherit cb-infra's lock (see take_lock).
  setsid nohup bash -c 'echo $$ >"$0"; exec "$@"' "$CB_RUN/$name.pid" "$@" >>"$log" 2>&1 </dev/null 9>&- &
  for _ in $(seq 1 50); do
    [ -s "$CB_RUN/$name.pid" ] && return 0
    sleep 0.1
  done
  die "$name: did not start (see $log)"
}

# stop_pid NAME: SIGTERM, wait up to CB_STOP_TIMEOUT, then SIGKILL.
stop_pid() {
  local name="$1" pid waited=0
  pid="$(running_pid "$name")" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do
    if ((waited >= CB_STOP_TIMEOUT * 10)); then
      warn "$name: still running after ${CB_STOP_TIMEOUT}s, sending SIGKILL to $pid"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    if ((waited > 0 && waited % 50 == 0)); then say "$name: waiting for pid $pid to exit… $((waited / 10))s"; fi
    sleep 0.1
    waited=$((waited + 1))
  done
  rm -f "$CB_RUN/$name.pid" "$CB_RUN/$name.ports"
}

# stop_pids NAME...: SIGTERM to all at once, then stop_pid each. For the nodes of a
# cluster: stopped one after the other, the last Kafka node would wait for a
# controller quorum that is gone, and each stopped Redis master could fail over.
stop_pids() {
  local name pid
  for name in "$@"; do
    pid="$(running_pid "$name")" || continue
    kill -TERM "$pid" 2>/dev/null || true
  done
  for name in "$@"; do stop_pid "$name"; done
}

# stop_nodes LABEL NAME...: stops the nodes of a cluster that run (stop_pids), saying which.
stop_nodes() {
  local label="$1" name pid names=() pids=()
  shift
  for name in "$@"; do
    pid="$(running_pid "$name")" || continue
    names+=("$name")
    pids+=("$pid")
  done
  if [ ${#names[@]} -eq 0 ]; then
    say "$label: not running"
    return 0
  fi
  say "$label: stopping ${#names[@]} nodes (pids ${pids[*]})…"
  stop_pids "${names[@]}"
  say "$label: stopped"
}

# --- ports --------------------------------------------------------------------

port_open() { timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# Prints the pid listening on port $1, if ss can tell (it needs root to see
# other users' processes).
port_owner() {
  ss -ltnpH "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | head -n1 | cut -d= -f2
}

describe_pid() { echo "pid $1 ($(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | cut -c1-100 | sed 's/ *$//'))"; }

# ensure_port_free NAME PORT VAR: returns 0 when PORT is free. Fails with a
# clear message if it is taken by something that is not ours. If the listener
# is ours (its pid file was lost, say), adopts it into pid file NAME and returns 1.
ensure_port_free() {
  local name="$1" port="$2" var="$3" pid
  port_open "$port" || return 0
  pid="$(port_owner "$port")" || pid=""
  if [ -n "$pid" ] && is_ours "$pid"; then
    echo "$pid" >"$CB_RUN/$name.pid"
    return 1
  fi
  die "$name: port $port is already in use by $([ -n "$pid" ] && describe_pid "$pid" || echo 'another process'),
        which is not this checkout's (CB_HOME=$CB_HOME).
        Stop it (a system-wide Redis: 'service redis-server stop'), or pick another port, e.g. $var=$((port + 1))."
}

# wait_healthy NAME PIDNAME LOG CHECK_FN: polls CHECK_FN until it succeeds,
# failing early if the process dies, and after CB_INFRA_TIMEOUT seconds.
wait_healthy() { wait_healthy_all "$1" "$4" health "$2=$3"; }

# wait_healthy_all NAME CHECK_FN WHAT PIDNAME=LOG...: the same for a service of
# several processes (a cluster): fails early when any of them dies, showing its log.
wait_healthy_all() {
  local name="$1" check="$2" what="$3" start=$SECONDS next=5 p
  shift 3
  while ! "$check" >/dev/null 2>&1; do
    for p in "$@"; do
      if ! running_pid "${p%%=*}" >/dev/null; then
        warn "$name: ${p%%=*} exited during startup; last lines of ${p#*=}:"
        tail -n 30 "${p#*=}" >&2 || true
        die "$name: failed to start"
      fi
    done
    if ((SECONDS - start >= CB_INFRA_TIMEOUT)); then
      warn "$name: last lines of ${1#*=}:"
      tail -n 30 "${1#*=}" >&2 || true
      die "$name: not healthy after ${CB_INFRA_TIMEOUT}s (raise CB_INFRA_TIMEOUT if the machine is just slow)"
    fi
    if ((SECONDS - start >= next)); then
      say "$name: waiting for $what… $((SECONDS - start))s"
      next=$((next + 5))
    fi
    sleep 0.5
  done
}

# --- downloads ----------------------------------------------------------------

# fetch_maven NAME POM DEST: copies the POM's dependencies from Maven Central
# into DEST, unless DEST already holds what this exact POM asked for.
fetch_maven() {
  local name="$1" pom="$2" dest="$3" sum
  sum="$(sha256sum "$pom" | cut -d' ' -f1)"
  if [ -f "$dest/.pom.sha256" ] && [ "$(cat "$dest/.pom.sha256")" = "$sum" ]; then
    return 0
  fi
  need mvn "install Maven (apt-get install -y maven)"
  say "$name: fetching what ${pom#"$CB_ROOT"/} pins (Maven Central; cache: $CB_M2)…"
  rm -rf "$dest.tmp"
  # -B: no colour/progress codes in CI logs. The Maven cache goes to CB_HOME/m2
  # so that nothing outside the checkout is needed or touched.
  mvn -q -B -f "$pom" dependency:copy-dependencies \
    -DoutputDirectory="$dest.tmp" -Dmaven.repo.local="$CB_M2" >"$CB_LOGS/$name-fetch.log" 2>&1 ||
    { tail -n 30 "$CB_LOGS/$name-fetch.log" >&2; die "$name: Maven download failed (full log: $CB_LOGS/$name-fetch.log)"; }
  echo "$sum" >"$dest.tmp/.pom.sha256"
  rm -rf "$dest"
  mv "$dest.tmp" "$dest" # only a complete download ever sits at $dest
}

# The ports a service was started with, so that 'up' with other ports fails at
# once instead of waiting for a process that will never answer there.
save_ports() { echo "$2" >"$CB_RUN/$1.ports"; }
check_ports() {
  local f="$CB_RUN/$1.ports"
  [ ! -f "$f" ] || [ "$(cat "$f")" = "$2" ] ||
    die "$1: already running from this CB_HOME with ports $(cat "$f"), not $2. Run 'cb-infra down' first."
}

# status_line NAME STATE ADDRESS PID DETAILS
status_line() { printf '[infra] %-9s %-10s %-24s pid %-8s %s\n' "$1" "$2" "$3" "$4" "$5"; }
