#!/usr/bin/env bash
# run.sh: run the supervisor locally against the assembled distribution,
# as the image would, with its data and configuration under ./run.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dist="$("$repo_root/scripts/kafka-dist.sh" "${KAFKA_VERSION:-3.9.1}")"
run_dir="$repo_root/run"
mkdir -p "$run_dir"
# A copy of the stock configuration, which the supervisor rewrites in place.
[[ -d "$run_dir/config" ]] || cp -r "$dist/config" "$run_dir/config"

export KAFKA_HOME="$dist"
export SUPERVISOR_CONFIG_DIR="$run_dir/config"
export SUPERVISOR_DATA_DIR="$run_dir/data"
export KAFKA_CREATE_TOPICS="${KAFKA_CREATE_TOPICS:-kafka-on-kubernetes:1:1}"

cat <<MSG
Starting ZooKeeper and Kafka; data in $run_dir/data. Ctrl-C stops both, in order.
Once "ready: phase=all" shows, in another terminal:
  $dist/bin/kafka-console-producer.sh --topic kafka-on-kubernetes --bootstrap-server localhost:9092
  $dist/bin/kafka-console-consumer.sh --topic kafka-on-kubernetes --from-beginning --bootstrap-server localhost:9092
  curl -s localhost:8080/readyz
MSG
exec "$repo_root/bin/supervisor"
