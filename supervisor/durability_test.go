package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/IBM/sarama"
)

const (
	durableTopic      = "durable"
	durablePartitions = 3
	durableMessages   = 100_000
)

// produceAll sends n messages with acks=all, round robin over the
// partitions, each valued "<partition>:<sequence in partition>", and
// returns how many the broker acknowledged per partition.
func produceAll(t *testing.T, addr string, n int) []int {
	t.Helper()
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_9_0_0
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Partitioner = sarama.NewManualPartitioner
	cfg.Producer.Return.Successes = true
	cfg.Producer.Flush.Messages = 1000
	cfg.Producer.Flush.Frequency = 10 * time.Millisecond
	cfg.Net.MaxOpenRequests = 1 // in order within a partition, even on a retry
	producer, err := sarama.NewAsyncProducer([]string{addr}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	acked := make([]int, durablePartitions)
	done := make(chan error, 1)
	go func() {
		var firstErr error
		for received := 0; received < n; received++ {
			select {
			case msg := <-producer.Successes():
				acked[msg.Partition]++
			case perr := <-producer.Errors():
				if firstErr == nil {
					firstErr = perr.Err
				}
			}
		}
		done <- firstErr
	}()
	seq := make([]int, durablePartitions)
	for i := range n {
		p := i % durablePartitions
		producer.Input() <- &sarama.ProducerMessage{Topic: durableTopic, Partition: int32(p),
			Value: sarama.StringEncoder(fmt.Sprintf("%d:%d", p, seq[p]))}
		seq[p]++
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("produce: %v", err)
		}
	case <-time.After(5 * time.Minute):
		t.Fatal("producer not done after 5m")
	}
	if err := producer.Close(); err != nil {
		t.Errorf("close producer: %v", err)
	}
	return acked
}

// consumeAll reads every partition from the start to its high water mark
// and checks that each holds "<p>:0", "<p>:1", … with no gap, repeat or
// reordering. It returns the count per partition.
func consumeAll(t *testing.T, addr string) []int {
	t.Helper()
	client := saramaClient(t, addr)
	consumer, err := sarama.NewConsumerFromClient(client)
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	counts := make([]int, durablePartitions)
	for p := range durablePartitions {
		newest, err := client.GetOffset(durableTopic, int32(p), sarama.OffsetNewest)
		if err != nil {
			t.Fatal(err)
		}
		if newest == 0 {
			continue
		}
		pc, err := consumer.ConsumePartition(durableTopic, int32(p), sarama.OffsetOldest)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		for counts[p] < int(newest) {
			select {
			case msg := <-pc.Messages():
				if want, have := fmt.Sprintf("%d:%d", p, counts[p]), string(msg.Value); want != have {
					t.Fatalf("partition %d, offset %d: want %q, have %q", p, msg.Offset, want, have)
				}
				counts[p]++
			case cerr := <-pc.Errors():
				t.Fatalf("consume partition %d: %v", p, cerr)
			case <-ctx.Done():
				t.Fatalf("partition %d: %d of %d messages read in 2m", p, counts[p], newest)
			}
		}
		cancel()
		pc.Close()
	}
	return counts
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

// recoveryLines are what Kafka 3.9 prints when it recovers a log that was
// not closed cleanly, read from its logs after a SIGKILL.
var recoveryLines = []string{"no clean shutdown file", "Recovering unflushed segment"}

// TestDurabilityAfterStop produces 100 000 messages with acks=all, stops
// with SIGTERM, starts again on the same data directories and reads them
// all back, in order per partition; the broker does no log recovery.
func TestDurabilityAfterStop(t *testing.T) {
	spec := "KAFKA_CREATE_TOPICS=" + durableTopic + ":" + strconv.Itoa(durablePartitions) + ":1"
	first := startAsPID1(t, spec)
	first.waitProbe("/readyz", 200, "ready", 2*time.Minute)
	acked := produceAll(t, first.kafkaAddr, durableMessages)
	if want, have := durableMessages, sum(acked); want != have {
		t.Fatalf("acknowledged: want %d, have %d", want, have)
	}
	first.stopCleanly()
	if !strings.Contains(first.logs.String(), "Controlled shutdown request returned successfully") {
		t.Error("the broker did not complete a controlled shutdown")
	}

	second := first.restartAsPID1(spec)
	second.waitProbe("/readyz", 200, "ready", 2*time.Minute)
	if want, have := acked, consumeAll(t, second.kafkaAddr); fmt.Sprint(want) != fmt.Sprint(have) {
		t.Errorf("messages per partition: want %v, have %v", want, have)
	}
	logs := second.logs.String()
	if !strings.Contains(logs, "since clean shutdown file was found") {
		t.Error("the broker did not find its clean shutdown file")
	}
	for _, line := range recoveryLines {
		if strings.Contains(logs, line) {
			t.Errorf("the broker recovered its log after a clean stop: %q", line)
		}
	}
	second.stopCleanly()
}

// TestDurabilityAfterKill produces 100 000 messages with acks=all, then
// SIGKILLs the supervisor as PID 1, which takes its whole namespace down
// with no stop at all, and starts again on the same data: the broker
// recovers its log, and every acknowledged message is there, in order. A
// SIGKILL leaves what the broker wrote in the kernel's page cache, so none
// is lost; a power loss could lose what was not yet flushed to disk.
func TestDurabilityAfterKill(t *testing.T) {
	spec := "KAFKA_CREATE_TOPICS=" + durableTopic + ":" + strconv.Itoa(durablePartitions) + ":1"
	// The killed broker's registration outlives it by its session timeout.
	session := "KAFKA_ZOOKEEPER_SESSION_TIMEOUT_MS=6000"
	first := startAsPID1(t, spec, session)
	first.waitProbe("/readyz", 200, "ready", 2*time.Minute)
	acked := produceAll(t, first.kafkaAddr, durableMessages)
	first.signal(syscall.SIGKILL)
	first.wait(time.Minute)
	deadline := time.Now().Add(30 * time.Second)
	for len(processesUnder(first.dir)) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the namespace's processes outlived its PID 1: %v", processesUnder(first.dir))
		}
		time.Sleep(50 * time.Millisecond)
	}

	second := first.restartAsPID1(spec, session)
	second.waitProbe("/readyz", 200, "ready", 2*time.Minute)
	if !strings.Contains(second.logs.String(), "waiting for an earlier registration of this broker id to expire") {
		t.Error("the killed broker's registration was not waited for")
	}
	have := consumeAll(t, second.kafkaAddr)
	t.Logf("after SIGKILL: %d of %d acknowledged messages survived (%v of %v per partition)",
		sum(have), sum(acked), have, acked)
	if fmt.Sprint(acked) != fmt.Sprint(have) {
		t.Errorf("messages per partition: want %v, have %v", acked, have)
	}
	logs := second.logs.String()
	recovered := false
	for _, line := range recoveryLines {
		recovered = recovered || strings.Contains(logs, line)
	}
	if !recovered {
		t.Error("no log recovery after a SIGKILL: the test did not stop the broker uncleanly")
	}
	second.stopCleanly()
}
