#!/usr/bin/env bash
# kafka-dist.sh VERSION: assemble a directory shaped like the Apache Kafka
# distribution (bin/, config/, libs/) from the jars on Maven Central, and
# print its path. Re-running it is instant once the cache is complete.
#
# Environment: KAFKA_DIST_CACHE (default: <repo>/.cache/kafka).
set -euo pipefail

version="${1:-3.9.1}"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${KAFKA_DIST_CACHE:-$repo_root/.cache/kafka}"

# The Scala build each line was published for, the logging backend its
# distribution ships, and the stock config/ it comes with.
# log4j2 is how 4.x configures log4j 2 (-Dlog4j2.configurationFile), from 4.x
# on; before it, log4j 1 (-Dlog4j.configuration) or reload4j.
log4j2=""
case "$version" in
  4.*)
    # 4.x moved to log4j 2: kafka-server brings log4j-api and -core, and
    # slf4j 1.7 needs its binding; the tools (StorageTool's format among
    # them) come from kafka-tools.
    scala=2.13 config=config-4 log4j2=1
    extra="kafka-tools:$version org.apache.logging.log4j:log4j-slf4j-impl:2.25.2" ;;
  3.*)
    scala=2.13 config=config
    extra="kafka-tools:$version ch.qos.reload4j:reload4j:1.2.25 org.slf4j:slf4j-reload4j:1.7.36" ;;
  2.*)
    scala=2.13 config=config
    extra="ch.qos.reload4j:reload4j:1.2.25 org.slf4j:slf4j-reload4j:1.7.36" ;;
  0.9.*|0.10.0.*)
    # The last dockerkafka/kafka build is 0.9.0.1 for Scala 2.11.
    scala=2.11 config=config-0.9 # brings log4j and slf4j-log4j12 itself
    extra="" ;;
  0.8.2.*)
    scala=2.10 config=config-0.8 # brings log4j and slf4j-log4j12 itself
    extra="" ;;
  *) echo "kafka-dist.sh: version $version is not supported (want 0.8.2.x, 0.9.x, 0.10.0.x, 2.x, 3.x or 4.x)" >&2; exit 2 ;;
esac

dist="$cache/kafka_$scala-$version"

# The tools users exec from the release tarball (bin/*.sh), as "name
# leading-arguments class…": the launcher runs the first class the
# distribution's jars hold (they moved from core's Scala to
# org.apache.kafka.tools across 3.x and 4.x), and a tool none of whose
# classes is there is not one of this version's. The server launchers and
# kafka-topics.sh and the console tools are written below.
tools_layout=2
tools='
zookeeper-shell.sh -server org.apache.zookeeper.ZooKeeperMainWithTlsSupportForKafka org.apache.zookeeper.ZooKeeperMain
kafka-configs.sh - org.apache.kafka.tools.ConfigCommand kafka.admin.ConfigCommand
kafka-consumer-groups.sh - org.apache.kafka.tools.consumer.group.ConsumerGroupCommand kafka.admin.ConsumerGroupCommand
kafka-consumer-offset-checker.sh - kafka.tools.ConsumerOffsetChecker
kafka-reassign-partitions.sh - org.apache.kafka.tools.reassign.ReassignPartitionsCommand kafka.admin.ReassignPartitionsCommand
kafka-preferred-replica-election.sh - kafka.admin.PreferredReplicaLeaderElectionCommand
kafka-leader-election.sh - org.apache.kafka.tools.LeaderElectionCommand kafka.admin.LeaderElectionCommand
kafka-acls.sh - org.apache.kafka.tools.AclCommand kafka.admin.AclCommand
kafka-broker-api-versions.sh - org.apache.kafka.tools.BrokerApiVersionsCommand kafka.admin.BrokerApiVersionsCommand
kafka-log-dirs.sh - org.apache.kafka.tools.LogDirsCommand kafka.admin.LogDirsCommand
kafka-delete-records.sh - org.apache.kafka.tools.DeleteRecordsCommand kafka.admin.DeleteRecordsCommand
kafka-get-offsets.sh - org.apache.kafka.tools.GetOffsetShell kafka.tools.GetOffsetShell
kafka-dump-log.sh - org.apache.kafka.tools.DumpLogSegments kafka.tools.DumpLogSegments
kafka-metadata-quorum.sh - org.apache.kafka.tools.MetadataQuorumCommand
kafka-features.sh - org.apache.kafka.tools.FeatureCommand kafka.admin.FeatureCommand
kafka-cluster.sh - org.apache.kafka.tools.ClusterTool kafka.tools.ClusterTool
kafka-producer-perf-test.sh - org.apache.kafka.tools.ProducerPerformance kafka.tools.ProducerPerformance
kafka-consumer-perf-test.sh - org.apache.kafka.tools.ConsumerPerformance kafka.tools.ConsumerPerformance
'

# add_tools DIST: write DIST's tool launchers, each atomically, and mark
# DIST as having them. It only adds files, so it may run on a cached
# distribution that a test is using.
add_tools() {
  local d="$1" name args classes class jar
  while read -r name args classes; do
    [[ -n "$name" ]] || continue
    [[ "$args" != - ]] || args=""
    for class in $classes; do
      for jar in "$d/libs"/kafka*.jar "$d/libs"/zookeeper-*.jar; do
        [[ -f "$jar" ]] || continue
        # A zip's central directory holds entry names uncompressed.
        grep -aqF "${class//.//}.class" "$jar" || continue
        printf '%s\n' '#!/usr/bin/env bash' "# $name: launch $class with this distribution's classpath." \
          "exec \"\$(dirname \"\$0\")/kafka-run-class.sh\" $class${args:+ $args} \"\$@\"" >"$d/bin/.$name"
        chmod +x "$d/bin/.$name"
        mv "$d/bin/.$name" "$d/bin/$name"
        continue 3
      done
    done
  done <<<"$tools"
  echo "tools $tools_layout" >"$d/.complete"
}

if [[ -f "$dist/.complete" ]]; then
  # A distribution cached before the tools were added gets them now.
  grep -qx "tools $tools_layout" "$dist/.complete" || add_tools "$dist"
  echo "$dist"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/dist/libs" "$work/dist/bin" "$work/dist/config"

dependency() { # group:artifact:version, or artifact:version of org.apache.kafka
  local g a v
  IFS=: read -r g a v <<<"$1"
  if [[ -z "$v" ]]; then v="$a" a="$g" g=org.apache.kafka; fi
  echo "    <dependency><groupId>$g</groupId><artifactId>$a</artifactId><version>$v</version></dependency>"
}

# From 2.x core brings no logging backend at run time; the broker's own
# distribution ships reload4j with slf4j-reload4j, and so do we.
cat > "$work/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.kafka-dist</groupId>
  <artifactId>kafka-dist</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
$(for d in "kafka_$scala:$version" $extra; do dependency "$d"; done)
  </dependencies>
</project>
POM

# progress: a line on stderr at most every two seconds while Maven
# downloads jars (its own plugins, the first time, then Kafka's), read from
# its "Downloaded from <repo>: <url> (<size> at <rate>)" lines, and a total.
progress() {
  local line n=0 shown=$SECONDS re='Downloaded from [^ ]+ [^ ]*/([^/ ]+\.jar) \(([^ ]+ [^ ]+)'
  while IFS= read -r line; do
    [[ "$line" =~ $re ]] || continue
    n=$((n + 1))
    if ((SECONDS - shown >= 2)); then
      echo "kafka-dist.sh: jars downloaded: $n (last ${BASH_REMATCH[1]}, ${BASH_REMATCH[2]})" >&2
      shown=$SECONDS
    fi
  done
  ((n == 0)) || echo "kafka-dist.sh: jars downloaded: $n" >&2
}

# unreachable LOG: why Maven could not reach its repository, read from its
# own output, or nothing when it could. Without its plugin, Maven only says
# "No plugin found for prefix 'dependency'"; the failed transfers before
# that say why.
unreachable() {
  local cause
  cause="$(sed -n 's/.*Could not transfer .* transfer failed for [^ ]*: \(.*\)/\1/p' "$1" | sed 's/ -> \[Help.*//' | sed -n 1p)"
  [[ -n "$cause" ]] || cause="$(sed -n 's/.*Could not transfer [^ ]* [^ ]* from\/to \([^ ]* ([^)]*)\).*/no answer from \1/p' "$1" | sed -n 1p)"
  [[ -n "$cause" ]] || cause="$(grep -o 'Cannot access [^ ]* ([^)]*) in offline mode' "$1" | sed -n 1p)"
  echo "$cause"
}

echo "kafka-dist.sh: fetching Kafka $version's jars with Maven (once; the distribution is cached)" >&2
if ! mvn -B -Dstyle.color=never -f "$work/pom.xml" dependency:copy-dependencies \
  -DincludeScope=runtime -DoutputDirectory="$work/dist/libs" 2>&1 |
  sed -u 's/\x1b\[[0-9;]*m//g' | tee "$work/mvn.log" | progress; then
  cause="$(unreachable "$work/mvn.log")"
  if [[ -n "$cause" ]]; then
    echo "kafka-dist.sh: cannot reach Maven Central to fetch Kafka $version's jars ($cause); the distribution is cached once fetched" >&2
  else
    grep '\[ERROR\]' "$work/mvn.log" | grep -v '^\[ERROR\] *$' | sed -n 1p >&2
    echo "kafka-dist.sh: Maven could not fetch Kafka $version's jars (its error above)" >&2
  fi
  exit 1
fi

# Keep one slf4j binding: kafka-tools may bring slf4j-simple or logback at
# run time, and two bindings make every launch print a warning.
rm -f "$work/dist/libs"/slf4j-simple-*.jar "$work/dist/libs"/logback-*.jar

tools_main() { # class names moved from core to tools across 3.x
  local scala_class="$1" java_class="$2" jar
  for jar in "$work/dist/libs"/kafka-tools-*.jar "$work/dist/libs"/kafka_"$scala"-*.jar; do
    [[ -f "$jar" ]] || continue
    # A zip's central directory holds entry names uncompressed.
    if grep -aq "${java_class//.//}.class" "$jar"; then echo "$java_class"; return; fi
  done
  echo "$scala_class"
}
topics_main="$(tools_main kafka.admin.TopicCommand org.apache.kafka.tools.TopicCommand)"
producer_main="$(tools_main kafka.tools.ConsoleProducer org.apache.kafka.tools.ConsoleProducer)"
consumer_main="$(tools_main kafka.tools.ConsoleConsumer org.apache.kafka.tools.consumer.ConsoleConsumer)"

# log4j_opt FILE: the JVM option that names FILE in config/ as the logging
# configuration, in the form of this version's log4j.
log4j_opt() {
  if [[ -n "$log4j2" ]]; then
    echo "-Dlog4j2.configurationFile=\$base_dir/config/${1%.properties}2.yaml"
  else
    echo "-Dlog4j.configuration=file:\$base_dir/config/$1"
  fi
}

cat > "$work/dist/bin/kafka-run-class.sh" <<SH
#!/usr/bin/env bash
# kafka-run-class.sh CLASS [ARGS]: run a class of this distribution in the
# foreground, replacing the shell so that signals reach the JVM.
base_dir="\$(cd "\$(dirname "\$0")/.." && pwd)"
LOG_DIR="\${LOG_DIR:-\$base_dir/logs}"
mkdir -p "\$LOG_DIR"
JAVA="\${JAVA_HOME:+\$JAVA_HOME/bin/}java"
: "\${KAFKA_HEAP_OPTS:=-Xmx256M}"
: "\${KAFKA_JVM_PERFORMANCE_OPTS:=-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true}"
: "\${KAFKA_LOG4J_OPTS:=$(log4j_opt tools-log4j.properties)}"
# shellcheck disable=SC2086 # the *_OPTS variables are word lists
exec "\$JAVA" \$KAFKA_HEAP_OPTS \$KAFKA_JVM_PERFORMANCE_OPTS -Dkafka.logs.dir="\$LOG_DIR" \\
  \$KAFKA_LOG4J_OPTS -cp "\$base_dir/libs/*" \$KAFKA_OPTS "\$@"
SH

launcher() { # name main heap log4j
  local name="$1" main="$2" heap="$3" log4j="$4"
  {
    echo '#!/usr/bin/env bash'
    echo "# $name: launch $main with this distribution's classpath."
    echo 'base_dir="$(cd "$(dirname "$0")/.." && pwd)"'
    if [[ -n "$heap" ]]; then echo ": \"\${KAFKA_HEAP_OPTS:=$heap}\""; echo 'export KAFKA_HEAP_OPTS'; fi
    if [[ -n "$log4j" ]]; then echo ": \"\${KAFKA_LOG4J_OPTS:=$(log4j_opt "$log4j")}\""; echo 'export KAFKA_LOG4J_OPTS'; fi
    echo "exec \"\$base_dir/bin/kafka-run-class.sh\" $main \"\$@\""
  } > "$work/dist/bin/$name"
}
# 4.x ships no ZooKeeper. From 2.x KRaft formats its storage with
# StorageTool.
[[ -n "$log4j2" ]] || launcher zookeeper-server-start.sh org.apache.zookeeper.server.quorum.QuorumPeerMain "-Xmx512M -Xms512M" log4j.properties
[[ "$scala" == 2.1[01] ]] || launcher kafka-storage.sh kafka.tools.StorageTool "" ""
launcher kafka-server-start.sh kafka.Kafka "-Xmx1G -Xms1G" log4j.properties
launcher kafka-topics.sh "$topics_main" "" ""
launcher kafka-console-producer.sh "$producer_main" "-Xmx512M" ""
launcher kafka-console-consumer.sh "$consumer_main" "-Xmx512M" ""
chmod +x "$work/dist/bin"/*.sh

cp "$repo_root/scripts/kafka-dist/$config"/* "$work/dist/config/"

add_tools "$work/dist" # and marks it complete
mkdir -p "$cache"
rm -rf "$dist"
mv "$work/dist" "$dist"
echo "$dist"
