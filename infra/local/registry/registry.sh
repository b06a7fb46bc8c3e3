# Schema Registry: Apicurio Registry (Maven Central, pinned in registry/pom.xml)
# with its Confluent-compatible API served at the root of CB_REGISTRY_PORT by
# registry/proxy.mjs. Why not Karapace: docs/decisions/0001-schema-registry.md.
# Sourced by cb-infra.

REGISTRY_SRC="$CB_INFRA_DIR/registry"
REGISTRY_DIR="$CB_HOME/registry"
REGISTRY_DIST="$REGISTRY_DIR/dist" # the downloaded bundle, only until unpacked
REGISTRY_APP="$REGISTRY_DIR/app"   # the unpacked bundle
REGISTRY_LOG="$CB_LOGS/registry.log"
REGISTRY_PROXY_LOG="$CB_LOGS/registry-proxy.log"
REGISTRY_URL="http://127.0.0.1:$CB_REGISTRY_PORT"

registry_healthy() {
  [ "$(curl -s -o /dev/null -m 3 -w '%{http_code}' "$REGISTRY_URL/subjects")" = 200 ]
}
registry_backend_healthy() {
  [ "$(curl -s -o /dev/null -m 3 -w '%{http_code}' \
    "http://127.0.0.1:$CB_REGISTRY_BACKEND_PORT/apis/ccompat/v7/subjects")" = 200 ]
}

registry_install() {
  need java "install a JDK 17 (apt-get install -y openjdk-17-jdk-headless)"
  need node "Node.js 20 runs the registry front (registry/proxy.mjs)"
  need curl "apt-get install -y curl"
  local stamp
  stamp="$(sha256sum "$REGISTRY_SRC/pom.xml" | cut -d' ' -f1)"
  [ "$(cat "$REGISTRY_APP/.pom.sha256" 2>/dev/null)" != "$stamp" ] || return 0
  # The unpacked copy is stale or missing. The bundle (140 MB) is not kept
  # next to it, only in the Maven cache, so a re-fetch is a local copy.
  rm -rf "$REGISTRY_DIST"
  fetch_maven registry "$REGISTRY_SRC/pom.xml" "$REGISTRY_DIST"
  local bundle
  bundle="$(ls "$REGISTRY_DIST"/*.tar.gz)"
  say "registry: unpacking $(basename "$bundle")…"
  rm -rf "$REGISTRY_APP" "$REGISTRY_APP.tmp"
  mkdir -p "$REGISTRY_APP.tmp"
  tar -xzf "$bundle" -C "$REGISTRY_APP.tmp"
  echo "$stamp" >"$REGISTRY_APP.tmp/.pom.sha256"
  mv "$REGISTRY_APP.tmp" "$REGISTRY_APP"
  rm -rf "$REGISTRY_DIST"
}

registry_start_backend() {
  local jar
  jar="$(ls "$REGISTRY_APP"/*-runner.jar)"
  mkdir -p "$REGISTRY_DIR/data"
  # Apicurio's "in-memory" storage is H2; pointing it at a file makes schemas
  # and compatibility settings survive restarts. HTTP_PORT (not
  # QUARKUS_HTTP_PORT) because the bundle sets %prod.quarkus.http.port=${HTTP_PORT},
  # which wins over the plain property.
  HTTP_PORT="$CB_REGISTRY_BACKEND_PORT" \
    QUARKUS_HTTP_HOST=127.0.0.1 \
    REGISTRY_DATASOURCE_URL="jdbc:h2:file:$REGISTRY_DIR/data/registry" \
    start_bg registry "$REGISTRY_LOG" java -Xms64m -Xmx384m -XX:+ExitOnOutOfMemoryError \
    -Djava.awt.headless=true -Dcallboard.home="$CB_MARK" -jar "$jar"
}

registry_up() {
  registry_install
  local pid state="already up" ports="$CB_REGISTRY_PORT,$CB_REGISTRY_BACKEND_PORT"

  if pid="$(running_pid registry)"; then
    check_ports registry "$ports"
  elif ! ensure_port_free registry "$CB_REGISTRY_BACKEND_PORT" CB_REGISTRY_BACKEND_PORT; then
    say "registry: found this checkout's Apicurio running without a pid file; adopting it"
  else
    say "registry: starting Apicurio Registry on 127.0.0.1:$CB_REGISTRY_BACKEND_PORT…"
    registry_start_backend
    state="up"
  fi
  save_ports registry "$ports"

  if ! running_pid registry-proxy >/dev/null; then
    if ensure_port_free registry-proxy "$CB_REGISTRY_PORT" CB_REGISTRY_PORT; then
      say "registry: starting the Confluent-API front on 127.0.0.1:$CB_REGISTRY_PORT…"
      start_bg registry-proxy "$REGISTRY_PROXY_LOG" \
        node "$REGISTRY_SRC/proxy.mjs" "$CB_REGISTRY_PORT" "$CB_REGISTRY_BACKEND_PORT" "$CB_MARK"
      state="up"
    fi
  fi

  wait_healthy registry registry "$REGISTRY_LOG" registry_backend_healthy
  wait_healthy registry registry-proxy "$REGISTRY_PROXY_LOG" registry_healthy
  say "registry: $state at $REGISTRY_URL (Apicurio pid $(running_pid registry), front pid $(running_pid registry-proxy)); logs: $REGISTRY_LOG"
}

registry_down() {
  local pid any=no
  if pid="$(running_pid registry-proxy)"; then
    stop_pid registry-proxy
    any=yes
  fi
  if pid="$(running_pid registry)"; then
    say "registry: stopping Apicurio (pid $pid)…"
    stop_pid registry
    any=yes
  fi
  if [ "$any" = yes ]; then say "registry: stopped"; else say "registry: not running"; fi
}

registry_status() {
  local pid ppid
  pid="$(running_pid registry)" || pid=""
  ppid="$(running_pid registry-proxy)" || ppid=""
  if [ -z "$pid" ] && [ -z "$ppid" ]; then
    status_line registry down "$REGISTRY_URL" - ""
    return 1
  elif registry_healthy; then
    status_line registry up "$REGISTRY_URL" "$pid" "Apicurio on :$CB_REGISTRY_BACKEND_PORT, front pid $ppid"
  else
    status_line registry unhealthy "$REGISTRY_URL" "${pid:--}" "GET /subjects failed (front pid ${ppid:--})"
    return 1
  fi
}

registry_logs() { echo "$REGISTRY_LOG"; echo "$REGISTRY_PROXY_LOG"; }
