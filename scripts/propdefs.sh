#!/usr/bin/env bash
# propdefs.sh VERSION…: write the property definitions of the broker and of
# the ZooKeeper it ships, read from the jars of each version's distribution
# (scripts/kafka-dist.sh), to internal/propdefs/data/VERSION/. The rows
# come from internal/propdefs/gen: Gen.java reads KafkaConfig's ConfigDef
# and QuorumPeerConfig, Legacy.java a 0.8 broker without a ConfigDef.
# A distribution without ZooKeeper (4.x) gets no zookeeper.tsv.
#
# Environment: KAFKA_DIST_CACHE, as kafka-dist.sh reads it.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
gen="$repo_root/internal/propdefs/gen"
(($#)) || { echo "usage: propdefs.sh VERSION…" >&2; exit 2; }

for version in "$@"; do
  dist="$("$repo_root/scripts/kafka-dist.sh" "$version")"
  out="$repo_root/internal/propdefs/data/$version"
  mkdir -p "$out"
  zk_jar="$(cd "$dist/libs" && ls zookeeper-[0-9]*.jar 2>/dev/null || true)"
  zk="${zk_jar#zookeeper-}"
  zk="${zk%.jar}"

  rows="$(java -cp "$dist/libs/*" "$gen/Gen.java" broker)" || {
    [[ $? -eq 3 ]] || exit 1
    rows="$(java -cp "$dist/libs/*" "$gen/Legacy.java")"
  }
  { echo "# broker $version: $(cd "$dist/libs" && ls kafka_*.jar), by scripts/propdefs.sh"
    echo "$rows"; } >"$out/broker.tsv"

  if [[ -z "$zk_jar" ]]; then
    rm -f "$out/zookeeper.tsv"
    echo "$out: broker $(($(wc -l <"$out/broker.tsv") - 1)), no zookeeper"
    continue
  fi
  rows="$(java -cp "$dist/libs/*" "$gen/Gen.java" zookeeper)"
  { echo "# zookeeper $zk: $zk_jar, by scripts/propdefs.sh"
    echo "$rows"; } >"$out/zookeeper.tsv"
  echo "$out: broker $(($(wc -l <"$out/broker.tsv") - 1)), zookeeper $zk $(($(wc -l <"$out/zookeeper.tsv") - 1))"
done
