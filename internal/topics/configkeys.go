package topics

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/IBM/sarama"
)

// topicConfig is one topic-level config: its key, the broker version that
// brought it, and the form of its value.
type topicConfig struct {
	key   string
	since sarama.KafkaVersion
	kind  kind
}

// topicConfigs lists the topic-level configs and the broker version that
// brought each. The sets for 0.8.2, 2.8 and 3.9 are what those brokers
// report for a topic (their LogConfig, and DescribeConfigs), and the
// end-to-end tests compare them with the real brokers.
var topicConfigs = []topicConfig{
	{"cleanup.policy", sarama.V0_8_2_0, kindPolicy},
	{"delete.retention.ms", sarama.V0_8_2_0, kindLong},
	{"file.delete.delay.ms", sarama.V0_8_2_0, kindLong},
	{"flush.messages", sarama.V0_8_2_0, kindLong},
	{"flush.ms", sarama.V0_8_2_0, kindLong},
	{"index.interval.bytes", sarama.V0_8_2_0, kindInt},
	{"max.message.bytes", sarama.V0_8_2_0, kindInt},
	{"min.cleanable.dirty.ratio", sarama.V0_8_2_0, kindRatio},
	{"min.insync.replicas", sarama.V0_8_2_0, kindInt},
	{"retention.bytes", sarama.V0_8_2_0, kindLong},
	{"retention.ms", sarama.V0_8_2_0, kindLong},
	{"segment.bytes", sarama.V0_8_2_0, kindInt},
	{"segment.index.bytes", sarama.V0_8_2_0, kindInt},
	{"segment.jitter.ms", sarama.V0_8_2_0, kindLong},
	{"segment.ms", sarama.V0_8_2_0, kindLong},
	{"unclean.leader.election.enable", sarama.V0_8_2_0, kindBool},
	{"compression.type", sarama.V0_9_0_0, kindCompression},
	{"preallocate", sarama.V0_9_0_0, kindBool},
	{"message.format.version", sarama.V0_10_0_0, kindString},
	{"message.timestamp.difference.max.ms", sarama.V0_10_0_0, kindLong},
	{"message.timestamp.type", sarama.V0_10_0_0, kindTimestamp},
	{"follower.replication.throttled.replicas", sarama.V0_10_1_0, kindString},
	{"leader.replication.throttled.replicas", sarama.V0_10_1_0, kindString},
	{"min.compaction.lag.ms", sarama.V0_10_1_0, kindLong},
	{"message.downconversion.enable", sarama.V2_0_0_0, kindBool},
	{"max.compaction.lag.ms", sarama.V2_3_0_0, kindLong},
	{"local.retention.bytes", sarama.V3_6_0_0, kindLong},
	{"local.retention.ms", sarama.V3_6_0_0, kindLong},
	{"message.timestamp.after.max.ms", sarama.V3_6_0_0, kindLong},
	{"message.timestamp.before.max.ms", sarama.V3_6_0_0, kindLong},
	{"remote.storage.enable", sarama.V3_6_0_0, kindBool},
	{"compression.gzip.level", sarama.V3_8_0_0, kindInt},
	{"compression.lz4.level", sarama.V3_8_0_0, kindInt},
	{"compression.zstd.level", sarama.V3_8_0_0, kindInt},
	{"remote.log.copy.disable", sarama.V3_9_0_0, kindBool},
	{"remote.log.delete.on.disable", sarama.V3_9_0_0, kindBool},
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

// kind is the form of a topic config's value, as the broker parses it.
type kind int

const (
	kindString      kind = iota // any value: the broker judges
	kindInt                     // a 32-bit whole number
	kindLong                    // a 64-bit whole number
	kindBool                    // true or false
	kindRatio                   // a number from 0 to 1
	kindPolicy                  // delete, compact, or both
	kindCompression             // a codec, or producer
	kindTimestamp               // CreateTime or LogAppendTime
)

// check returns what is wrong with value, or "".
func (k kind) check(value string) string {
	oneOf := func(allowed []string, vs ...string) string {
		for _, v := range vs {
			if !slices.Contains(allowed, strings.TrimSpace(v)) {
				return "one of " + strings.Join(allowed, ", ")
			}
		}
		return ""
	}
	switch k {
	case kindInt:
		if _, err := strconv.ParseInt(value, 10, 32); err != nil {
			return "a whole number"
		}
	case kindLong:
		if _, err := strconv.ParseInt(value, 10, 64); err != nil {
			return "a whole number"
		}
	case kindBool:
		if !strings.EqualFold(value, "true") && !strings.EqualFold(value, "false") {
			return "true or false"
		}
	case kindRatio:
		if f, err := strconv.ParseFloat(value, 64); err != nil || f < 0 || f > 1 {
			return "a number from 0 to 1"
		}
	case kindPolicy:
		return oneOf([]string{"delete", "compact"}, strings.Split(value, ",")...)
	case kindCompression:
		return oneOf([]string{"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"}, value)
	case kindTimestamp:
		return oneOf([]string{"CreateTime", "LogAppendTime"}, value)
	}
	return ""
}

// kindOf returns the form of a config key's value; a key not listed
// takes any value.
func kindOf(key string) kind {
	if i := slices.IndexFunc(topicConfigs, func(c topicConfig) bool { return c.key == key }); i >= 0 {
		return topicConfigs[i].kind
	}
	return kindString
}

// sameValue says whether a and b are the same value of config key as the
// broker reads them: it answers with its own form (true, 5, 0.5,
// compact,delete), which may not be the spec's (TRUE, 05, 0.50).
func sameValue(key, a, b string) bool {
	if a == b {
		return true
	}
	switch kindOf(key) {
	case kindInt, kindLong:
		x, errx := strconv.ParseInt(a, 10, 64)
		y, erry := strconv.ParseInt(b, 10, 64)
		return errx == nil && erry == nil && x == y
	case kindRatio:
		x, errx := strconv.ParseFloat(a, 64)
		y, erry := strconv.ParseFloat(b, 64)
		return errx == nil && erry == nil && x == y
	case kindBool:
		return strings.EqualFold(a, b)
	case kindPolicy:
		set := func(v string) []string {
			var out []string
			for _, p := range strings.Split(v, ",") {
				out = append(out, strings.TrimSpace(p))
			}
			slices.Sort(out)
			return slices.Compact(out)
		}
		return slices.Equal(set(a), set(b))
	}
	return false
}

// CheckConfigs returns an error naming the first topic with a config key
// that a broker of version v does not know, or a value the broker would
// not parse.
func CheckConfigs(specs []Spec, v sarama.KafkaVersion) error {
	keys, complete := ConfigKeys(v)
	for _, s := range specs {
		for _, k := range slices.Sorted(maps.Keys(s.Config)) {
			if _, ok := slices.BinarySearch(keys, k); !ok && complete {
				return fmt.Errorf("%w: topic %q: config %q is not a topic config of Kafka %s (known: %s)", ErrSpec, s.Name, k, v, strings.Join(keys, " "))
			}
			if want := kindOf(k).check(s.Config[k]); want != "" {
				return fmt.Errorf("%w: topic %q: config %s %q: want %s", ErrSpec, s.Name, k, s.Config[k], want)
			}
		}
	}
	return nil
}
