package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/kafka-on-kubernetes/supervisor/internal/propdefs"
)

// TestPropdefsMatchBroker compares the broker definitions of each matrix
// version with its real broker. From 0.10.1 on, the broker's DescribeConfigs
// answer: every name it gives is listed, with the same type where it gives
// one, and every listed name it does not give is internal to the broker (as
// DescribeConfigs leaves those out), which the test prints. A 0.8 broker
// has no DescribeConfigs: it warns "Property X is not valid" for each name
// its KafkaConfig did not read, so the test starts it with listed names
// (one read only when set, log.retention.minutes) and an unlisted one let
// through SUPERVISOR_EXTRA_PROPERTIES, and reads its log: only the unlisted
// name is warned about. (KafkaMetricsConfig's kafka.metrics.* names are
// listed although 0.8 warns about them: it reads them after its check.)
// 0.9 and 0.10.0 have a ConfigDef but no DescribeConfigs: they log every
// name of it under "KafkaConfig values:" at start, and the test compares
// those names with the list both ways.
func TestPropdefsMatchBroker(t *testing.T) {
	for _, dist := range kafkaDists(t) {
		version := distVersion(t, dist)
		_, v, _ := strings.Cut(filepath.Base(dist), "-")
		t.Run(v, func(t *testing.T) {
			set, err := propdefs.Broker(v)
			if err != nil {
				t.Fatal(err)
			}
			if !version.IsAtLeast(sarama.V0_9_0_0) {
				legacyWarnings(t, dist, set)
				return
			}
			if !version.IsAtLeast(sarama.V0_10_1_0) {
				loggedConfig(t, dist, set)
				return
			}
			in := startDist(t, dist)
			in.waitProbe("/readyz", 200, "ready", 2*time.Minute)
			cfg := sarama.NewConfig()
			cfg.Version = version
			admin, err := sarama.NewClusterAdmin([]string{in.kafkaAddr}, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer admin.Close()
			res, err := admin.DescribeConfigs([]*sarama.ConfigResource{{Type: sarama.BrokerResource, Name: "0"}}, sarama.DescribeConfigsOptions{})
			if err != nil || len(res) != 1 || res[0].ErrorCode != 0 {
				t.Fatalf("describe broker 0: %v %+v", err, res)
			}
			described := map[string]bool{}
			typed := 0
			for _, e := range res[0].Configs {
				described[e.Name] = true
				def, ok := set.Lookup(e.Name)
				if !ok {
					t.Errorf("the broker has %s, the list of %s does not", e.Name, set)
					continue
				}
				if want, ok := configTypes[e.Type]; ok {
					typed++
					if want != def.Type {
						t.Errorf("%s: the broker says %s, the list %s", e.Name, want, def.Type)
					}
				}
			}
			var notDescribed []string
			for _, n := range set.Names() {
				if !described[n] && !strings.HasSuffix(n, "*") {
					notDescribed = append(notDescribed, n)
				}
			}
			internal := internalNames(t, v)
			for _, n := range notDescribed {
				if !internal[n] && !slices.Contains(ruleNames, n) {
					t.Errorf("the list of %s has %s, the broker does not describe it", set, n)
				}
			}
			t.Logf("%s: %d names described (%d typed), all listed; listed but not described (internal): %v", set, len(described), typed, notDescribed)
		})
	}
}

// ruleNames are the names propdefs adds by rule (the shipped authorizer's).
var ruleNames = []string{"super.users", "allow.everyone.if.no.acl.found"}

// configTypes are the types DescribeConfigs gives (from v3), as the lists
// name them.
var configTypes = map[sarama.ConfigType]string{
	sarama.BooleanConfigType: "boolean", sarama.StringConfigType: "string", sarama.IntConfigType: "int",
	sarama.ShortConfigType: "short", sarama.LongConfigType: "long", sarama.DoubleConfigType: "double",
	sarama.ListConfigType: "list", sarama.ClassConfigType: "class", sarama.PasswordConfigType: "password",
}

// internalNames reads the names the generator flagged internal.
func internalNames(t *testing.T, version string) map[string]bool {
	t.Helper()
	rows := readTSV(t, filepath.Join("..", "internal", "propdefs", "data", version, "broker.tsv"))
	out := map[string]bool{}
	for _, r := range rows {
		if slices.Contains(strings.Split(r[4], ","), "internal") {
			out[r[0]] = true
		}
	}
	return out
}

// legacyWarnings starts a 0.8 broker with listed names and one unlisted,
// and checks which it warns about.
func legacyWarnings(t *testing.T, dist string, set *propdefs.Set) {
	listed := map[string]string{
		"KAFKA_LOG_RETENTION_MINUTES": "log.retention.minutes",
		"KAFKA_NUM_PARTITIONS":        "num.partitions",
		"KAFKA_DELETE_TOPIC_ENABLE":   "delete.topic.enable",
		"KAFKA_LOG_CLEANER_ENABLE":    "log.cleaner.enable",
		"KAFKA_LOG_ROLL_HOURS":        "log.roll.hours",
	}
	values := map[string]string{"KAFKA_LOG_RETENTION_MINUTES": "60", "KAFKA_NUM_PARTITIONS": "2", "KAFKA_DELETE_TOPIC_ENABLE": "true", "KAFKA_LOG_CLEANER_ENABLE": "false", "KAFKA_LOG_ROLL_HOURS": "24"}
	env := []string{"KAFKA_NOT_A_PROPERTY=1", "SUPERVISOR_EXTRA_PROPERTIES=not.a.property"}
	for v, name := range listed {
		if _, ok := set.Lookup(name); !ok {
			t.Fatalf("%s is not listed", name)
		}
		env = append(env, v+"="+values[v])
	}
	if _, ok := set.Lookup("not.a.property"); ok {
		t.Fatal("not.a.property is listed")
	}
	in := startDist(t, dist, env...)
	in.waitProbe("/readyz", 200, "ready", 2*time.Minute)
	logs := in.logs.String()
	if !strings.Contains(logs, "Property not.a.property is not valid") {
		t.Errorf("the broker did not warn about not.a.property:\n%s", logs)
	}
	for _, name := range listed {
		if strings.Contains(logs, "Property "+name+" is not valid") {
			t.Errorf("the broker warns about the listed %s", name)
		}
		if !strings.Contains(logs, "Property "+name+" is overridden") {
			t.Errorf("the broker did not read the listed %s", name)
		}
	}
}

// loggedConfig starts a broker of 0.9 or 0.10.0 and compares the names
// of its "KafkaConfig values:" lines with the listed ones.
func loggedConfig(t *testing.T, dist string, set *propdefs.Set) {
	in := startDist(t, dist)
	in.waitProbe("/readyz", 200, "ready", 2*time.Minute)
	logged := map[string]bool{}
	block := false
	for _, line := range strings.Split(in.logs.String(), "\n") {
		_, rest, ok := strings.Cut(line, " kafka: ")
		switch {
		case ok && strings.Contains(rest, "INFO KafkaConfig values:"):
			block = true
		case ok && block && strings.HasPrefix(rest, "\t"):
			name, _, ok := strings.Cut(strings.TrimPrefix(rest, "\t"), " = ")
			if !ok {
				t.Fatalf("not a config line: %q", line)
			}
			logged[name] = true
		default:
			block = false
		}
	}
	if len(logged) == 0 {
		t.Fatal("the broker logged no KafkaConfig values")
	}
	for name := range logged {
		if _, ok := set.Lookup(name); !ok {
			t.Errorf("the broker has %s, the list of %s does not", name, set)
		}
	}
	for _, n := range set.Names() {
		if !logged[n] && !strings.HasSuffix(n, "*") && !slices.Contains(ruleNames, n) {
			t.Errorf("the list of %s has %s, the broker does not log it", set, n)
		}
	}
	t.Logf("%s: %d names logged, all listed and all listed logged", set, len(logged))
}

// readTSV reads the tab-separated rows of a file, without its comments.
func readTSV(t *testing.T, path string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]string
	for _, line := range strings.Split(string(b), "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			rows = append(rows, strings.Split(line, "\t"))
		}
	}
	return rows
}
