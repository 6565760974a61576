package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/kafka-on-kubernetes/supervisor/internal/broker"
	"github.com/kafka-on-kubernetes/supervisor/internal/topics"
)

// topicsPerRound is how many one-partition topics each way creates.
const topicsPerRound = 100

// BenchmarkTopicCreation creates topicsPerRound one-partition topics on one
// running broker, three ways side by side: with the supervisor's reconciler
// (CreateTopics requests, then a wait for every leader), and with one
// `kafka-topics.sh --create` per topic, one after another as the seed does
// and all at once as the community image's script does. The reconciler's
// figure is the median of 7 rounds; each kafka-topics.sh way runs one round
// of topicsPerRound launches. It prints medians and ratios. It runs on a
// broker in ZooKeeper mode (TEST_KAFKA_DIST) and on a combined KRaft node
// of the newest 4.x (TEST_KRAFT_DISTS).
func BenchmarkTopicCreation(b *testing.B) {
	dist := kafkaDist(b)
	newest := newestKRaftDist(b)
	b.Run("zookeeper-"+distVersion(b, dist).String(), func(b *testing.B) { topicCreation(b, startDist(b, dist)) })
	b.Run("kraft-"+distVersion(b, newest).String(), func(b *testing.B) { topicCreation(b, startKRaft(b, newest, "")) })
}

func topicCreation(b *testing.B, in *instance) {
	in.waitLog(`ready: phase=all`, 2*time.Minute)
	version := kraftClientVersion(distVersion(b, in.dist))
	client, err := broker.Connect(context.Background(), in.kafkaAddr, 0, broker.Config(version))
	if err != nil {
		b.Fatal(err)
	}
	defer client.Close()
	b.ResetTimer()

	// The reconciler, as the supervisor runs it.
	var reconciler []time.Duration
	for round := range 7 {
		specs := make([]topics.Spec, topicsPerRound)
		for i := range specs {
			specs[i] = topics.Spec{Name: fmt.Sprintf("reconciled-%d-%d", round, i), Partitions: 1, Replicas: 1}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		t0 := time.Now()
		err := topics.Reconcile(ctx, topics.NewAdmin(client), specs, hclog.NewNullLogger())
		reconciler = append(reconciler, time.Since(t0))
		cancel()
		if err != nil {
			b.Fatal(err)
		}
	}

	// kafka-topics.sh once per topic, one after another.
	var seqEach []time.Duration
	seqFailed := 0
	t0 := time.Now()
	for i := range topicsPerRound {
		took, err := createWithTool(in, fmt.Sprintf("sequential-%d", i))
		seqEach = append(seqEach, took)
		if err != nil {
			seqFailed++
			b.Logf("sequential: %v", err)
		}
	}
	seqTotal := time.Since(t0)

	// kafka-topics.sh once per topic, all launched at once. Many time out
	// on a small machine (the tool's own limits): they are counted, as
	// what that way gives, not taken for a failure of the benchmark.
	parEach := make([]time.Duration, topicsPerRound)
	parErr := make([]error, topicsPerRound)
	var wg sync.WaitGroup
	t0 = time.Now()
	for i := range topicsPerRound {
		wg.Add(1)
		go func() {
			defer wg.Done()
			parEach[i], parErr[i] = createWithTool(in, fmt.Sprintf("parallel-%d", i))
		}()
	}
	wg.Wait()
	parTotal := time.Since(t0)
	parFailed := 0
	for _, err := range parErr {
		if err != nil {
			parFailed++
		}
	}
	b.StopTimer()

	rec := medianDuration(reconciler)
	b.Logf("%d one-partition topics on Kafka %s, %d cores:", topicsPerRound, distVersion(b, in.dist), runtime.NumCPU())
	b.Logf("| way | %d topics | per topic (median) | failed | vs reconciler |", topicsPerRound)
	b.Logf("|---|---|---|---|---|")
	b.Logf("| supervisor reconciler | %s (median of %d, range %s–%s) | %s | 0 | 1× |", ms(rec), len(reconciler), ms(slices.Min(reconciler)), ms(slices.Max(reconciler)), ms(rec/topicsPerRound))
	b.Logf("| kafka-topics.sh per topic, sequential | %s | %s | %d | %.0f× slower |", ms(seqTotal), ms(medianDuration(seqEach)), seqFailed, float64(seqTotal)/float64(rec))
	b.Logf("| kafka-topics.sh per topic, all at once | %s | %s (each launch) | %d | %.0f× slower |", ms(parTotal), ms(medianDuration(parEach)), parFailed, float64(parTotal)/float64(rec))
	b.ReportMetric(float64(rec.Milliseconds()), "reconciler-ms")
	b.ReportMetric(float64(seqTotal.Milliseconds()), "sequential-ms")
	b.ReportMetric(float64(parTotal.Milliseconds()), "parallel-ms")
	b.ReportMetric(float64(seqTotal)/float64(rec), "sequential/reconciler")
	b.ReportMetric(float64(parTotal)/float64(rec), "parallel/reconciler")
	b.ReportMetric(float64(parFailed), "parallel-failed")

	in.signal(syscall.SIGTERM)
	in.wait(time.Minute)
}

// createWithTool runs the distribution's kafka-topics.sh --create for one
// topic and returns how long it took, and how it failed if it did.
func createWithTool(in *instance, topic string) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(in.dist, "bin", "kafka-topics.sh"), "--bootstrap-server", in.kafkaAddr,
		"--create", "--topic", topic, "--partitions", "1", "--replication-factor", "1")
	cmd.Env = append(os.Environ(), "LOG_DIR="+filepath.Join(in.dir, "tool-logs"))
	t0 := time.Now()
	out, err := cmd.CombinedOutput()
	took := time.Since(t0)
	if err != nil {
		return took, fmt.Errorf("kafka-topics.sh --create %s: %v: %s", topic, err, lastLine(out))
	}
	return took, nil
}

// lastLine is the last non-blank line of out.
func lastLine(out []byte) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1]
}

func medianDuration(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond)) }
