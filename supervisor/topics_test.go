package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/go-zookeeper/zk"

	"github.com/kafka-on-kubernetes/supervisor/internal/topics"
)

// TestTopicsReconcile runs, on each broker version of the matrix, the
// topics from both spec forms through four starts on the same data:
// created; the same spec again does nothing; a partition increase and a
// config change are applied, and an override no longer in the spec stays;
// a partition decrease is refused with a log line and the broker keeps its
// partitions.
func TestTopicsReconcile(t *testing.T) {
	for _, dist := range kafkaDists(t) {
		t.Run(distVersion(t, dist).String(), func(t *testing.T) { reconcileScenario(t, dist) })
	}
}

func reconcileScenario(t *testing.T, dist string) {
	version := distVersion(t, dist)
	files := t.TempDir()
	env := func(name, lines string) []string {
		path := filepath.Join(files, name)
		if err := os.WriteFile(path, []byte(lines), 0o644); err != nil {
			t.Fatal(err)
		}
		return []string{"KAFKA_CREATE_TOPICS=listed:1:1", "KAFKA_TOPICS_FILE=" + path}
	}
	// run waits for ready and for the broker's lines matching applied,
	// checks the log, stops and returns the topic's partitions and
	// configs as the cluster had them.
	run := func(in *instance, want, wantNot []string, applied ...string) (int, map[string]string) {
		t.Helper()
		in.waitLog(`ready: phase=all`, 2*time.Minute)
		for _, re := range applied {
			in.waitLog(re, time.Minute)
		}
		if version.IsAtLeast(sarama.V2_3_0_0) {
			checkConfigKeys(t, in, version)
		}
		logs := in.logs.String()
		for _, w := range want {
			if !strings.Contains(logs, w) {
				t.Errorf("no log line with %q", w)
			}
		}
		for _, w := range wantNot {
			if strings.Contains(logs, w) {
				t.Errorf("unwanted log line with %q", w)
			}
		}
		parts, cfg := topicState(t, in, version, "events")
		if p, _ := topicState(t, in, version, "listed"); p != 1 {
			t.Errorf("topic listed: want 1 partition, have %d", p)
		}
		in.signal(syscall.SIGTERM)
		if want, have := 0, in.wait(time.Minute); want != have {
			t.Fatalf("exit code: want %d, have %d", want, have)
		}
		return parts, cfg
	}
	changes := []string{"topic created", "topic partitions added", "topic config set", "topic change refused"}

	in := startDist(t, dist, env("1.txt", "events:2:1 retention.ms=86400000 segment.bytes=104857600\n")...)
	parts, cfg := run(in, []string{"topic created: topic=listed partitions=1 replicas=1 configs=0", "topic created: topic=events partitions=2 replicas=1 configs=2"}, nil)
	checkTopic(t, "created", parts, cfg, 2, map[string]string{"retention.ms": "86400000", "segment.bytes": "104857600"})

	in = in.restart(env("1.txt", "events:2:1 retention.ms=86400000 segment.bytes=104857600\n")...)
	parts, cfg = run(in, []string{"topics up to date: nothing to do: topics=2"}, changes)
	checkTopic(t, "same spec", parts, cfg, 2, map[string]string{"retention.ms": "86400000", "segment.bytes": "104857600"})

	in = in.restart(env("2.txt", "events:3:1 retention.ms=3600000\n")...)
	parts, cfg = run(in, []string{"topic partitions added: topic=events from=2 to=3", "topic config set: topic=events key=retention.ms from=86400000 to=3600000"},
		[]string{"topic created", "key=segment.bytes", "topics up to date"}, configApplied(version, "events", "retention.ms=3600000")...)
	checkTopic(t, "increased", parts, cfg, 3, map[string]string{"retention.ms": "3600000", "segment.bytes": "104857600"})

	in = in.restart(env("3.txt", "events:1:1 retention.ms=3600000\n")...)
	parts, cfg = run(in, []string{"topic change refused: left as it is: topic=events partitions=3 spec=1", "topics up to date: nothing to do: topics=2"},
		[]string{"topic created", "topic partitions added", "topic config set"})
	checkTopic(t, "decrease refused", parts, cfg, 3, map[string]string{"retention.ms": "3600000", "segment.bytes": "104857600"})
}

// configApplied is the line a broker that takes its topic configs from
// ZooKeeper (before 0.10.1) logs when it has read the change notification
// of topic and applied its config, which holds kv. From 0.10.1 there is
// none to wait for: from 2.3 the answer to IncrementalAlterConfigs says
// the broker applied the change, and before 2.3 the supervisor only warns.
func configApplied(version sarama.KafkaVersion, topic, kv string) []string {
	switch {
	case !version.IsAtLeast(sarama.V0_9_0_0):
		return []string{`Processed topic config change \d+ for topic ` + regexp.QuoteMeta(topic) + `, setting new config to \{[^}]*` + regexp.QuoteMeta(kv)}
	case !version.IsAtLeast(sarama.V0_10_1_0):
		return []string{`Processing override for entityType: topics, entity: ` + regexp.QuoteMeta(topic) + ` with config: \{[^}]*` + regexp.QuoteMeta(kv)}
	}
	return nil
}

func checkTopic(t *testing.T, step string, parts int, cfg map[string]string, wantParts int, wantCfg map[string]string) {
	t.Helper()
	if parts != wantParts {
		t.Errorf("%s: partitions: want %d, have %d", step, wantParts, parts)
	}
	for k, v := range wantCfg {
		if cfg[k] != v {
			t.Errorf("%s: config %s: want %q, have %q", step, k, v, cfg[k])
		}
	}
}

// topicState asks the running cluster for a topic's partition count and
// config overrides: with DescribeConfigs from 2.3, else (0.8) from the
// topic's config znode, which is where that broker reads them.
func topicState(t *testing.T, in *instance, version sarama.KafkaVersion, topic string) (int, map[string]string) {
	t.Helper()
	client := saramaClientFor(t, in.kafkaAddr, version)
	defer client.Close()
	if err := client.RefreshMetadata(topic); err != nil {
		t.Fatalf("metadata of %s: %v", topic, err)
	}
	parts, err := client.Partitions(topic)
	if err != nil {
		t.Fatalf("partitions of %s: %v", topic, err)
	}
	cfg := make(map[string]string)
	if version.IsAtLeast(sarama.V2_3_0_0) {
		admin, err := sarama.NewClusterAdminFromClient(client)
		if err != nil {
			t.Fatal(err)
		}
		entries, err := admin.DescribeConfig(sarama.ConfigResource{Type: sarama.TopicResource, Name: topic})
		if err != nil {
			t.Fatalf("configs of %s: %v", topic, err)
		}
		for _, e := range entries {
			if e.Source == sarama.SourceTopic {
				cfg[e.Name] = e.Value
			}
		}
		return len(parts), cfg
	}
	conn, _, err := zk.Connect([]string{"127.0.0.1:" + strconv.Itoa(in.zkPort)}, 10*time.Second, zk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	data, _, err := conn.Get("/config/topics/" + topic)
	if err != nil {
		t.Fatalf("config znode of %s: %v", topic, err)
	}
	var znode struct {
		Config map[string]string `json:"config"`
	}
	if err := json.Unmarshal(data, &znode); err != nil {
		t.Fatalf("config znode of %s: %v", topic, err)
	}
	return len(parts), znode.Config
}

// checkConfigKeys compares the topic configs the supervisor knows for the
// version with those the broker reports for a topic.
func checkConfigKeys(t *testing.T, in *instance, version sarama.KafkaVersion) {
	t.Helper()
	client := saramaClientFor(t, in.kafkaAddr, version)
	defer client.Close()
	admin, err := sarama.NewClusterAdminFromClient(client)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := admin.DescribeConfig(sarama.ConfigResource{Type: sarama.TopicResource, Name: "listed"})
	if err != nil {
		t.Fatal(err)
	}
	var have []string
	for _, e := range entries {
		have = append(have, e.Name)
	}
	slices.Sort(have)
	want, complete := topics.ConfigKeys(version)
	if !complete || !slices.Equal(want, have) {
		t.Errorf("topic configs of %s:\nthe supervisor knows %v\nthe broker reports %v", version, want, have)
	}
}

// TestTopicsMany creates enough topics for the reconciler to split them
// over several CreateTopics requests side by side: every one is created
// once, and each has its leader when the supervisor says ready.
func TestTopicsMany(t *testing.T) {
	const n = 30
	var list []string
	for i := range n {
		list = append(list, "many-"+strconv.Itoa(i)+":2:1")
	}
	in := startSupervisor(t, "KAFKA_CREATE_TOPICS="+strings.Join(list, ","))
	in.waitLog(`ready: phase=all`, 2*time.Minute)
	if want, have := n, strings.Count(in.logs.String(), "topic created: topic=many-"); want != have {
		t.Errorf("topics created: want %d, have %d", want, have)
	}
	client := saramaClient(t, in.kafkaAddr)
	for i := range n {
		topic := "many-" + strconv.Itoa(i)
		for _, p := range []int32{0, 1} {
			if _, err := client.Leader(topic, p); err != nil {
				t.Errorf("%s/%d: no leader at ready: %v", topic, p, err)
			}
		}
	}
	in.signal(syscall.SIGTERM)
	if want, have := 0, in.wait(time.Minute); want != have {
		t.Errorf("exit code: want %d, have %d", want, have)
	}
}
