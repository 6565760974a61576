package main

import (
	"fmt"
	"slices"
	"syscall"
	"testing"
	"time"
)

// BenchmarkStartToReady measures the time from the supervisor's launch to
// /readyz 200 with one topic created, as PID 1, on fresh data and again
// after a SIGKILL of its whole PID namespace, for ZooKeeper mode (role
// all) and KRaft (a combined node) on the same distribution
// (TEST_KAFKA_DIST, 3.9.1, which has both), and KRaft on the newest 4.x of
// TEST_KRAFT_DISTS. The three run side by side in each of benchRuns
// rounds, each with its defaults: after the SIGKILL, ZooKeeper mode waits
// out the killed broker's registration (zookeeper.session.timeout.ms,
// 18 s), KRaft the controller's fencing of it (broker.session.timeout.ms,
// 3 s with the supervisor's default).
func BenchmarkStartToReady(b *testing.B) {
	dist := kafkaDist(b)
	newest := newestKRaftDist(b)
	spec := "KAFKA_CREATE_TOPICS=" + seedTopic + ":1:1"
	kinds := []struct {
		name  string
		start func(dir string) *instance
	}{
		{"zookeeper " + distVersion(b, dist).String(), func(dir string) *instance { return startIn(b, dist, dir, unshare, spec) }},
		{"kraft " + distVersion(b, dist).String(), func(dir string) *instance { return startKRaftAsPID1(b, dist, dir, spec) }},
		{"kraft " + distVersion(b, newest).String(), func(dir string) *instance { return startKRaftAsPID1(b, newest, dir, spec) }},
	}
	fresh := make([][]float64, len(kinds))
	killed := make([][]float64, len(kinds))
	for range benchRuns {
		for i, k := range kinds {
			t0 := time.Now()
			first := k.start("")
			first.waitProbe("/readyz", 200, "ready", 2*time.Minute)
			fresh[i] = append(fresh[i], time.Since(t0).Seconds())
			first.signal(syscall.SIGKILL)
			first.wait(time.Minute)
			eventually(b, k.name+": the namespace's processes end with its PID 1", 30*time.Second, func() string {
				if left := processesUnder(first.dir); len(left) > 0 {
					return fmt.Sprint(left)
				}
				return ""
			})
			t0 = time.Now()
			second := k.start(first.dir)
			second.waitProbe("/readyz", 200, "ready", 2*time.Minute)
			killed[i] = append(killed[i], time.Since(t0).Seconds())
			second.stopCleanly()
		}
	}
	b.Logf("launch to /readyz 200 with one topic, as PID 1, %d rounds side by side, median (range):", benchRuns)
	b.Logf("| mode | fresh start | after SIGKILL |")
	b.Logf("|---|---|---|")
	for i, k := range kinds {
		b.Logf("| %s | %s | %s |", k.name, secondsRange(fresh[i]), secondsRange(killed[i]))
		b.ReportMetric(median(fresh[i]), "s-fresh-"+slug(k.name))
		b.ReportMetric(median(killed[i]), "s-killed-"+slug(k.name))
	}
}

// secondsRange prints the median of xs and its range.
func secondsRange(xs []float64) string {
	return fmt.Sprintf("%.2f s (%.2f–%.2f)", median(xs), slices.Min(xs), slices.Max(xs))
}

// slug is name as a metric unit takes it.
func slug(name string) string {
	out := []byte(name)
	for i, c := range out {
		if c == ' ' || c == '.' {
			out[i] = '_'
		}
	}
	return string(out)
}
