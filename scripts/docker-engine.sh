#!/usr/bin/env bash
# docker-engine.sh start|stop|env: a Docker engine for the image builds and
# tests.
#
#   start  use the engine that answers on DOCKER_HOST (or the default
#          socket) if there is one; otherwise install docker.io when it is
#          missing and start a private dockerd of our own, with its own
#          data root, exec root, socket and pidfile, so that it never meets
#          a system engine or another one's state.
#   env    print the `export DOCKER_HOST=...` line that reaches the engine
#          start chose (eval it).
#   stop   stop the engine only if start started it; leave any other alone.
#
# The private engine: overlay2 where the kernel mounts overlay on the data
# root's filesystem, else vfs (works anywhere, but copies every layer in
# full: 62 GB after a few days of builds, against 1.7 GB with overlay2); no
# iptables and no bridge (the machine has neither to give), so builds and
# containers use --network host. A data root left by the other driver is
# our own cache and is emptied, since dockerd would keep the old driver.
#
# Environment: DOCKER_ENGINE_ROOT (default /var/lib/kafka-on-kubernetes/docker)
# holds the data root; the socket is unix:///run/kafka-on-kubernetes/docker.sock.
set -euo pipefail

root="${DOCKER_ENGINE_ROOT:-/var/lib/kafka-on-kubernetes/docker}"
run=/run/kafka-on-kubernetes
sock="$run/docker.sock"
pidfile="$run/dockerd.pid"
# Our own marker: present only while the engine start started is running.
owned="$run/dockerd.started-by-docker-engine.sh"
# Debian's client: the newer one some machines have in /usr/local/bin has
# no buildx and falls back to the legacy builder.
docker=/usr/bin/docker

answers() { # answers HOST: the engine on HOST replies to `docker version`
  [[ -x "$docker" ]] && DOCKER_HOST="$1" timeout 10 "$docker" version --format '{{.Server.Version}}' >/dev/null 2>&1
}

# current: the DOCKER_HOST an engine answers on, or nothing.
current() {
  if [[ -f "$owned" ]] && answers "unix://$sock"; then echo "unix://$sock"; return; fi
  if [[ -n "${DOCKER_HOST:-}" ]] && answers "$DOCKER_HOST"; then echo "$DOCKER_HOST"; return; fi
  if answers unix:///var/run/docker.sock; then echo unix:///var/run/docker.sock; return; fi
}

install_missing() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  [[ -x "$docker" ]] || missing+=(docker.io)
  ((${#missing[@]})) || return 0
  echo "docker-engine.sh: installing docker.io" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io >/dev/null
}

# storage_driver: overlay2 if an overlay mounts under the data root, else vfs.
storage_driver() {
  local t driver=vfs
  t="$(mktemp -d "$root/overlay-probe.XXXXXX")"
  mkdir "$t/lower" "$t/upper" "$t/work" "$t/merged"
  if mount -t overlay overlay -o "lowerdir=$t/lower,upperdir=$t/upper,workdir=$t/work" "$t/merged" 2>/dev/null; then
    umount "$t/merged"
    driver=overlay2
  fi
  rm -rf "$t"
  echo "$driver"
}

start() {
  local host driver other
  host="$(current)"
  if [[ -n "$host" ]]; then
    echo "docker-engine.sh: using the engine on $host" >&2
    return
  fi
  install_missing
  mkdir -p "$root/data" "$root/exec" "$run"
  driver="$(storage_driver)"
  other=vfs
  [[ "$driver" == overlay2 ]] || other=overlay2
  if [[ -d "$root/data/$other" ]]; then
    echo "docker-engine.sh: emptying $root/data, left by the $other driver" >&2
    rm -rf "$root/data"
    mkdir -p "$root/data"
  fi
  # A pidfile left by an engine that died would make dockerd refuse to start.
  if [[ -f "$pidfile" ]] && ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then rm -f "$pidfile"; fi
  echo "docker-engine.sh: starting a private dockerd on unix://$sock ($driver, data in $root)" >&2
  # containerd is dockerd's child here; --exec-root keeps its state and
  # socket out of the default paths. Niced, as every heavy job on a shared
  # machine: the builds and containers inherit it.
  nice -n 10 setsid dockerd --host "unix://$sock" --data-root "$root/data" --exec-root "$root/exec" \
    --pidfile "$pidfile" --storage-driver="$driver" --iptables=false --ip-masq=false --bridge=none \
    >"$root/dockerd.log" 2>&1 </dev/null &
  local pid=$! deadline=$((SECONDS + 60))
  echo "$pid" >"$owned"
  until answers "unix://$sock"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$owned"
      echo "docker-engine.sh: dockerd exited at start; its log ($root/dockerd.log) ends:" >&2
      tail -5 "$root/dockerd.log" >&2
      exit 1
    fi
    if ((SECONDS > deadline)); then
      echo "docker-engine.sh: dockerd did not answer on unix://$sock within 60 s; see $root/dockerd.log" >&2
      stop
      exit 1
    fi
    sleep 0.5
  done
  echo "docker-engine.sh: dockerd answers (pid $pid)" >&2
}

stop() {
  [[ -f "$owned" ]] || return 0
  local pid deadline=$((SECONDS + 30))
  pid="$(cat "$owned")"
  if kill -0 "$pid" 2>/dev/null; then
    echo "docker-engine.sh: stopping the private dockerd (pid $pid)" >&2
    kill -TERM "$pid"
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "docker-engine.sh: dockerd did not stop within 30 s; killing it" >&2
      kill -KILL "$pid"
    fi
  fi
  # dockerd leaves its default network namespace mounted under the exec
  # root; nothing of the engine may outlive the stop.
  local m
  while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done < <(findmnt -rn -o TARGET | grep -F "$root/exec/" | sort -r)
  rm -f "$owned"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env)
    host="$(current)"
    [[ -n "$host" ]] || { echo "docker-engine.sh: no Docker engine answers; run \`scripts/docker-engine.sh start\`" >&2; exit 1; }
    echo "export DOCKER_HOST=$host"
    echo "export DOCKER_BUILDKIT=1"
    ;;
  *) echo "usage: docker-engine.sh start|stop|env" >&2; exit 2 ;;
esac
