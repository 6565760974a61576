package topics

import (
	"fmt"
	"slices"
	"strings"

	"github.com/IBM/sarama"
)

// topicConfigs lists the topic-level configs and the broker version that
// brought each. The sets for 0.8.2, 2.8 and 3.9 are what those brokers
// report for a topic (their LogConfig, and DescribeConfigs), and the
// end-to-end tests compare them with the real brokers.
var topicConfigs = []struct {
	key   string
	since sarama.KafkaVersion
}{
	{"cleanup.policy", sarama.V0_8_2_0},
	{"delete.retention.ms", sarama.V0_8_2_0},
	{"file.delete.delay.ms", sarama.V0_8_2_0},
	{"flush.messages", sarama.V0_8_2_0},
	{"flush.ms", sarama.V0_8_2_0},
	{"index.interval.bytes", sarama.V0_8_2_0},
	{"max.message.bytes", sarama.V0_8_2_0},
	{"min.cleanable.dirty.ratio", sarama.V0_8_2_0},
	{"min.insync.replicas", sarama.V0_8_2_0},
	{"retention.bytes", sarama.V0_8_2_0},
	{"retention.ms", sarama.V0_8_2_0},
	{"segment.bytes", sarama.V0_8_2_0},
	{"segment.index.bytes", sarama.V0_8_2_0},
	{"segment.jitter.ms", sarama.V0_8_2_0},
	{"segment.ms", sarama.V0_8_2_0},
	{"unclean.leader.election.enable", sarama.V0_8_2_0},
	{"compression.type", sarama.V0_9_0_0},
	{"preallocate", sarama.V0_9_0_0},
	{"message.format.version", sarama.V0_10_0_0},
	{"message.timestamp.difference.max.ms", sarama.V0_10_0_0},
	{"message.timestamp.type", sarama.V0_10_0_0},
	{"follower.replication.throttled.replicas", sarama.V0_10_1_0},
	{"leader.replication.throttled.replicas", sarama.V0_10_1_0},
	{"min.compaction.lag.ms", sarama.V0_10_1_0},
	{"message.downconversion.enable", sarama.V2_0_0_0},
	{"max.compaction.lag.ms", sarama.V2_3_0_0},
	{"local.retention.bytes", sarama.V3_6_0_0},
	{"local.retention.ms", sarama.V3_6_0_0},
	{"message.timestamp.after.max.ms", sarama.V3_6_0_0},
	{"message.timestamp.before.max.ms", sarama.V3_6_0_0},
	{"remote.storage.enable", sarama.V3_6_0_0},
	{"compression.gzip.level", sarama.V3_8_0_0},
	{"compression.lz4.level", sarama.V3_8_0_0},
	{"compression.zstd.level", sarama.V3_8_0_0},
	{"remote.log.copy.disable", sarama.V3_9_0_0},
	{"remote.log.delete.on.disable", sarama.V3_9_0_0},
}

// ConfigKeys returns the topic configs a broker of version v knows, sorted,
// and whether the list is complete for v: from 4.0 on, unknown keys are
// left for the broker to judge.
func ConfigKeys(v sarama.KafkaVersion) (keys []string, complete bool) {
	for _, c := range topicConfigs {
		if v.IsAtLeast(c.since) {
			keys = append(keys, c.key)
		}
	}
	slices.Sort(keys)
	return keys, !v.IsAtLeast(sarama.V4_0_0_0) && v.IsAtLeast(sarama.V0_8_2_0)
}

// CheckConfigs returns an error naming the first topic with a config key
// that a broker of version v does not know.
func CheckConfigs(specs []Spec, v sarama.KafkaVersion) error {
	keys, complete := ConfigKeys(v)
	if !complete {
		return nil
	}
	for _, s := range specs {
		for k := range s.Config {
			if _, ok := slices.BinarySearch(keys, k); !ok {
				return fmt.Errorf("%w: topic %q: config %q is not a topic config of Kafka %s (known: %s)", ErrSpec, s.Name, k, v, strings.Join(keys, " "))
			}
		}
	}
	return nil
}
