#!/usr/bin/env bash
# image-test.sh: the images proven in a real Docker engine, as users run
# them. It installs what is missing, starts a private engine when none
# answers (scripts/docker-engine.sh) and stops it at the end, builds the
# images (scripts/images.sh, on stand-in bases when the real ones can't be
# had), then for each image checks, one line per check:
#
#   - PID 1 is the supervisor, running as uid 1001;
#   - /readyz answers 200;
#   - the launchers users exec are in bin/, and `docker exec … kafka-topics.sh`
#     as uid 1001 lists the topic (LOG_DIR is the image's);
#   - a console producer and consumer on the host (the distribution's own
#     tools) write and read the topic;
#   - docker inspect says healthy;
#   - docker kill -s KILL, then docker start on the same volume: ready
#     again, and the messages are still there;
#   - docker stop exits 0, and the log shows Kafka stopped before ZooKeeper;
#   - the image's size.
# The container runs --read-only with only a data volume throughout, so
# that every check also shows the image needs nothing else writable.
#
# Containers run with --network host (the engine has no bridge), one at a
# time, on free ports of this machine's loopback. A failed check fails the
# script, after the other checks ran. Environment: KAFKA_DIST_CACHE, and
# what scripts/images.sh reads.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
t0=$SECONDS
docker=/usr/bin/docker
topic=images-test
messages=(first second third)
failed=0
containers=()
volumes=()

say() { echo "image-test: $*"; }

# check IMAGE WHAT COMMAND...: run COMMAND; one PASS or FAIL line.
check() {
  local image="$1" what="$2"
  shift 2
  if "$@"; then
    say "PASS $image: $what"
  else
    say "FAIL $image: $what"
    failed=$((failed + 1))
  fi
}

# The Debian package of each command this script runs on the host.
missing=()
for p in curl:curl ss:iproute2 java:openjdk-17-jre-headless mmdebstrap:mmdebstrap; do
  command -v "${p%%:*}" >/dev/null || missing+=("${p#*:}")
done
[[ -x "$docker" ]] || missing+=(docker.io)
if ((${#missing[@]})); then
  say "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The host's console tools log here, not into the distribution's cache.
LOG_DIR="$(mktemp -d)"
export LOG_DIR

# An engine: the one that answers, else a private one, stopped at the end
# whatever happens.
started=""
cleanup() {
  local c v
  rm -rf "$LOG_DIR"
  for c in "${containers[@]}"; do "$docker" rm -f -v "$c" >/dev/null 2>&1 || true; done
  for v in "${volumes[@]}"; do "$docker" volume rm -f "$v" >/dev/null 2>&1 || true; done
  [[ -z "$started" ]] || scripts/docker-engine.sh stop
}
trap cleanup EXIT
trap "exit 143" TERM
trap "exit 130" INT
if ! scripts/docker-engine.sh env >/dev/null 2>&1; then
  started=1
  scripts/docker-engine.sh start
fi
eval "$(scripts/docker-engine.sh env)"

b0=$SECONDS
scripts/images.sh build
say "built the images in $((SECONDS - b0)) s"

# free_port: a TCP port nothing listens on here.
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 20000))
    ss -Hltn "sport = :$p" | grep -q . || { echo "$p"; return; }
  done
}

# wait_for DEADLINE-SECONDS COMMAND...: COMMAND succeeds before the deadline.
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 1
  done
}

ready() { [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$http/readyz")" == 200 ]]; }
stopped() { [[ "$("$docker" inspect -f '{{.State.Running}}' "$1")" == false ]]; }
healthy() { [[ "$("$docker" inspect -f '{{.State.Health.Status}}' "$1")" == healthy ]]; }

pid1_supervisor() {
  local cmd
  cmd="$("$docker" exec "$1" cat /proc/1/cmdline | tr '\0' ' ')"
  [[ "$cmd" == "/usr/local/bin/supervisor " ]] || { say "  PID 1 is: $cmd"; return 1; }
}

uid_1001() {
  local uid exec_uid
  uid="$("$docker" exec "$1" awk '/^Uid:/ { print $2 }' /proc/1/status)"
  exec_uid="$("$docker" exec "$1" id -u)"
  [[ "$uid" == 1001 && "$exec_uid" == 1001 ]] || { say "  PID 1 runs as $uid, docker exec as $exec_uid"; return 1; }
}

# launchers C HOME TOOL...: each TOOL is in HOME/bin.
launchers() {
  local c="$1" home="$2" tool
  shift 2
  for tool in "$@"; do
    "$docker" exec "$c" test -x "$home/bin/$tool" || { say "  $home/bin/$tool is missing"; return 1; }
  done
}

# exec_topics C ARGS...: kafka-topics.sh --list in the container, as its
# user with the image's environment, names the topic and says nothing of
# LOG_DIR.
exec_topics() {
  local c="$1" out
  shift
  out="$("$docker" exec "$c" kafka-topics.sh --list "$@" 2>&1)" || { say "  kafka-topics.sh: $out"; return 1; }
  if grep -q 'cannot create directory' <<<"$out" || ! grep -qx "$topic" <<<"$out"; then
    say "  kafka-topics.sh --list printed: $out"
    return 1
  fi
}

# zk_shell C: zookeeper-shell.sh in the container sees broker 0. The
# command goes on stdin: ZooKeeper 3.4.6 (Kafka 0.8.2.1's) ignores one given
# as arguments (ZOOKEEPER-1897).
zk_shell() {
  local out
  out="$(echo 'ls /brokers/ids' | "$docker" exec -i "$1" zookeeper-shell.sh "127.0.0.1:$zk" 2>&1)" || true
  grep -q '^\[0\]$' <<<"$out" || { say "  zookeeper-shell.sh printed: $(tail -3 <<<"$out")"; return 1; }
}

# exec_configs C: kafka-configs.sh in the container describes the topic.
exec_configs() {
  local out
  out="$("$docker" exec "$1" kafka-configs.sh --bootstrap-server "127.0.0.1:$kafka" --describe --entity-type topics --entity-name "$topic" 2>&1)" || true
  grep -q "configs for topic $topic" <<<"$out" || { say "  kafka-configs.sh printed: $(tail -3 <<<"$out")"; return 1; }
}

# produce and consume run the distribution's own console tools on the host.
produce() {
  local args=(--topic "$topic")
  # 0.9's producer sends with acks=0 by default and can close before its
  # lines are written (see the README); 0.8's kept every line.
  if [[ "$version" == 0.8.* ]]; then args+=(--broker-list "127.0.0.1:$kafka" --sync)
  elif [[ "$version" == 0.9.* ]]; then args+=(--broker-list "127.0.0.1:$kafka" --sync --request-required-acks 1)
  # Snappy, whose native code the broker unpacks in java.io.tmpdir: on the
  # read-only root that must be under the data volume.
  else args+=(--bootstrap-server "127.0.0.1:$kafka" --compression-codec snappy); fi
  printf '%s\n' "${messages[@]}" | timeout 120 "$dist/bin/kafka-console-producer.sh" "${args[@]}" >/dev/null 2>&1
}
consume() {
  local args=(--topic "$topic" --from-beginning --max-messages "${#messages[@]}") out
  if [[ "$version" == 0.[89].* ]]; then args+=(--zookeeper "127.0.0.1:$zk"); else args+=(--bootstrap-server "127.0.0.1:$kafka" --timeout-ms 60000); fi
  out="$(timeout 120 "$dist/bin/kafka-console-consumer.sh" "${args[@]}" 2>/dev/null)" || true
  [[ "$out" == "$(printf '%s\n' "${messages[@]}")" ]] || { say "  consumed: $(echo $out)"; return 1; }
}

stopped_in_order() {
  local code logs k z
  code="$("$docker" inspect -f '{{.State.ExitCode}}' "$1")"
  logs="$("$docker" logs "$1" 2>&1)"
  k="$(grep -n 'stopped: child=kafka' <<<"$logs" | tail -1 | cut -d: -f1)"
  if [[ "$mode" == kraft ]]; then
    [[ "$code" == 0 && -n "$k" ]] || { say "  exit code $code; kafka stopped at log line ${k:-none}"; return 1; }
    return
  fi
  z="$(grep -n 'stopping: child=zookeeper' <<<"$logs" | tail -1 | cut -d: -f1)"
  [[ "$code" == 0 && -n "$k" && -n "$z" && "$k" -lt "$z" ]] ||
    { say "  exit code $code; kafka stopped at log line ${k:-none}, zookeeper stopping at ${z:-none}"; return 1; }
}

# run_container NAME VOLUME [docker run options...]: start the image with
# its ports on this machine's loopback.
run_container() {
  local name="$1" vol="$2" env
  shift 2
  env=(-e "SUPERVISOR_HTTP_ADDR=127.0.0.1:$http" -e "KAFKA_PORT=$kafka" -e "KAFKA_CREATE_TOPICS=$topic:1:1"
    -e "KAFKA_HEAP_OPTS=-Xmx512M -Xms128M")
  if [[ "$mode" == kraft ]]; then
    env+=(-e "KAFKA_CONTROLLER_PORT=$controller")
  else
    env+=(-e "ZOOKEEPER_CLIENT_PORT=$zk" -e "KAFKA_ZOOKEEPER_CONNECT=127.0.0.1:$zk")
  fi
  containers+=("$name")
  volumes+=("$vol")
  "$docker" run -d --name "$name" --network host -v "$vol:/var/lib/kafka" "${env[@]}" "$@" "$image" >/dev/null
}

# test_image IMAGE VERSION MODE HOME TOOLS...: every check on one image.
test_image() {
  image="$1" version="$2" mode="$3"
  local home="$4" c v i0=$SECONDS
  shift 4
  dist="$(scripts/kafka-dist.sh "$version")"
  http="$(free_port)" kafka="$(free_port)" zk="$(free_port)" controller="$(free_port)"
  c="image-test-$version" v="image-test-$version"
  "$docker" rm -f -v "$c" >/dev/null 2>&1 || true
  "$docker" volume rm -f "$v" >/dev/null 2>&1 || true

  # Read-only, with the data volume the only writable place (and, for the
  # seed's image, the config VOLUME its base declares, which docker makes a
  # volume of whatever the options): every check below holds so.
  run_container "$c" "$v" --read-only
  if ! wait_for 240 ready; then
    say "FAIL $image: --read-only with only a data volume: /readyz 200 (not ready after 240 s); the container's log ends:"
    "$docker" logs "$c" 2>&1 | tail -20
    failed=$((failed + 1))
    return
  fi
  say "PASS $image: --read-only with only a data volume: /readyz 200 (ready $((SECONDS - i0)) s after docker run)"
  check "$image" "PID 1 is the supervisor" pid1_supervisor "$c"
  check "$image" "PID 1 and docker exec run as uid 1001" uid_1001 "$c"
  check "$image" "bin/ has ${*}" launchers "$c" "$home" "$@"
  # 0.8's and 0.9's tools reach the cluster through ZooKeeper; 3.x's no
  # longer can.
  if [[ "$version" == 0.[89].* ]]; then
    check "$image" "docker exec kafka-topics.sh lists the topic (LOG_DIR writable)" exec_topics "$c" --zookeeper "127.0.0.1:$zk"
  else
    check "$image" "docker exec kafka-topics.sh lists the topic (LOG_DIR writable)" exec_topics "$c" --bootstrap-server "127.0.0.1:$kafka"
    check "$image" "docker exec kafka-configs.sh describes the topic" exec_configs "$c"
  fi
  [[ "$mode" == kraft ]] || check "$image" "docker exec zookeeper-shell.sh sees broker 0" zk_shell "$c"
  local codec=""
  [[ "$version" == 0.* ]] || codec=", snappy-compressed"
  check "$image" "produce ${#messages[@]} messages from the host$codec" produce
  check "$image" "consume them from the host" consume
  check "$image" "docker inspect health is healthy" wait_for 120 healthy "$c"

  "$docker" kill -s KILL "$c" >/dev/null
  wait_for 30 stopped "$c" || true
  "$docker" start "$c" >/dev/null
  check "$image" "after docker kill -s KILL and docker start: ready again" wait_for 240 ready
  check "$image" "after docker kill -s KILL and docker start: the messages are there" consume

  local s0=$SECONDS
  if "$docker" stop -t 60 "$c" >/dev/null; then
    local order="Kafka stopped before ZooKeeper"
    [[ "$mode" != kraft ]] || order="Kafka (KRaft, no ZooKeeper) stopped"
    check "$image" "docker stop: exit code 0, $order (took $((SECONDS - s0)) s)" stopped_in_order "$c"
  else
    say "FAIL $image: docker stop failed"
    failed=$((failed + 1))
  fi

  local size
  size="$("$docker" image inspect -f '{{.Size}}' "$image")"
  say "SIZE $image: $((size / 1000000)) MB"
  "$docker" rm -f -v "$c" >/dev/null 2>&1 || true
  "$docker" volume rm -f "$v" >/dev/null 2>&1 || true
  say "tested $image in $((SECONDS - i0)) s"
}

test_image dockerkafka/kafka:v2 0.8.2.1 zookeeper /opt/kafka_2.10-0.8.2.1 \
  kafka-topics.sh kafka-console-producer.sh kafka-console-consumer.sh zookeeper-shell.sh
test_image dockerkafka/kafka:v2-0.9.0.1 0.9.0.1 zookeeper /opt/kafka \
  kafka-topics.sh kafka-console-producer.sh kafka-console-consumer.sh zookeeper-shell.sh kafka-configs.sh
test_image kafka-on-kubernetes/kafka:3.9.1 3.9.1 zookeeper /opt/kafka \
  kafka-topics.sh kafka-console-producer.sh kafka-console-consumer.sh zookeeper-shell.sh kafka-configs.sh kafka-consumer-groups.sh
test_image kafka-on-kubernetes/kafka:4.4.0 4.4.0 kraft /opt/kafka \
  kafka-topics.sh kafka-console-producer.sh kafka-console-consumer.sh kafka-configs.sh kafka-consumer-groups.sh kafka-metadata-quorum.sh

say "took $((SECONDS - t0)) s"
if ((failed)); then
  say "$failed checks failed"
  exit 1
fi
say "every check passed"
