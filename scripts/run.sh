#!/usr/bin/env bash
# run.sh: run the supervisor locally against the assembled distribution,
# as the image would, with its data under ./run (the distribution's own
# config/ is the read-only base; the effective files go to ./run/data/run). Once it
# is ready, print commands to try, built from the ports and topic it runs
# with. Ctrl-C (or SIGTERM) is passed on to the supervisor once, which
# stops Kafka, then ZooKeeper; run.sh exits with the supervisor's code.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dist="$("$repo_root/scripts/kafka-dist.sh" "${KAFKA_VERSION:-3.9.1}")"
run_dir="$repo_root/run"
mkdir -p "$run_dir"

export KAFKA_HOME="$dist"
export SUPERVISOR_DATA_DIR="$run_dir/data"
export KAFKA_CREATE_TOPICS="${KAFKA_CREATE_TOPICS:-kafka-on-kubernetes:1:1}"
supervisor="$repo_root/bin/supervisor"

# local_addr host:port → an address to reach it from here (an empty or
# wildcard host is this machine).
local_addr() {
  local host="${1%:*}" port="${1##*:}"
  case "$host" in "" | 0.0.0.0 | "[::]" | "::") host=localhost ;; esac
  echo "$host:$port"
}

# Where clients reach the broker: its first advertised listener, else the
# advertised host name and port, as the supervisor writes them.
bootstrap() {
  if [[ -n "${KAFKA_ADVERTISED_LISTENERS:-}" ]]; then
    local first="${KAFKA_ADVERTISED_LISTENERS%%,*}"
    local_addr "${first#*://}"
  else
    local port="${KAFKA_PORT:-9092}"
    echo "${KAFKA_ADVERTISED_HOST_NAME:-localhost}:${KAFKA_ADVERTISED_PORT:-$port}"
  fi
}

# version_lt A B: whether version A comes before B.
version_lt() { [[ "$1" != "$2" && "$(printf '%s\n%s\n' "$1" "$2" | sort -V | sed -n 1p)" == "$1" ]]; }

print_try() {
  local version addr topic health producer consumer
  version="$(basename "$dist")"
  version="${version#*-}"
  addr="$(bootstrap)"
  topic="${KAFKA_CREATE_TOPICS%%,*}"
  topic="${topic%%:*}"
  health="$(local_addr "${SUPERVISOR_HTTP_ADDR:-:8080}")"
  producer="--bootstrap-server $addr"
  consumer="--bootstrap-server $addr"
  # Kafka before 2.5 has no --bootstrap-server in its console producer, and
  # 0.8's console consumer reads through ZooKeeper.
  version_lt "$version" 2.5 && producer="--broker-list $addr"
  version_lt "$version" 0.9 && consumer="--zookeeper localhost:${ZOOKEEPER_CLIENT_PORT:-2181}"
  cat <<MSG

Ready: ZooKeeper, Kafka $version at $addr and the topic $topic. In another terminal:
  $dist/bin/kafka-console-producer.sh --topic $topic $producer
  $dist/bin/kafka-console-consumer.sh --topic $topic --from-beginning $consumer
  curl -s http://$health/readyz
Ctrl-C stops Kafka, then ZooKeeper.

MSG
}

echo "Starting ZooKeeper and Kafka; data in $run_dir/data. Ctrl-C stops both, in order."
# In a process group of its own (job control), so that Ctrl-C reaches the
# supervisor once, through the trap below: a second SIGINT would make it
# kill everything at once.
set -m
"$supervisor" &
pid=$!
set +m
signalled=0
trap 'signalled=1; kill -INT "$pid" 2>/dev/null || true' INT
trap 'signalled=1; kill -TERM "$pid" 2>/dev/null || true' TERM

# Ready, or gone: ask the supervisor's /readyz until one of the two.
until "$supervisor" probe >/dev/null 2>&1; do
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.5
done
if kill -0 "$pid" 2>/dev/null && "$supervisor" probe >/dev/null 2>&1; then
  print_try
fi

# A trapped signal ends wait early: then wait again, for the supervisor's
# own exit code (bash keeps it once the supervisor is gone).
while :; do
  signalled=0
  wait "$pid" && code=0 || code=$?
  [[ $signalled == 1 ]] || break
done
exit "$code"
