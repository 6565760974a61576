package main

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// benchRuns is how many times each benchmark repeats its measurement; it
// reports the median, since the machine runs other work too.
const benchRuns = 5

// idleWindow is how long the supervisor's CPU time is measured while both
// children run and nothing happens.
const idleWindow = 10 * time.Second

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat.
const clockTicks = 100

// median returns the middle value (the mean of the two middle ones).
func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// rssKiB reads VmRSS from /proc/<pid>/status.
func rssKiB(b *testing.B, pid int) float64 {
	b.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			kib, err := strconv.ParseFloat(f[0], 64)
			if err != nil {
				b.Fatal(err)
			}
			return kib
		}
	}
	b.Fatalf("no VmRSS for pid %d", pid)
	return 0
}

// cpuTicks reads utime+stime from /proc/<pid>/stat.
func cpuTicks(b *testing.B, pid int) float64 {
	b.Helper()
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// Fields after the command name, which may hold spaces: state is [0],
	// utime and stime are fields 14 and 15 of the whole line.
	f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	utime, err1 := strconv.ParseFloat(f[11], 64)
	stime, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		b.Fatalf("stat of %d: %q", pid, stat)
	}
	return utime + stime
}

// BenchmarkIdle measures the supervisor's own resident memory and CPU use
// while it is PID 1 with ZooKeeper and Kafka running and ready, over an
// idle window, in benchRuns separate runs.
func BenchmarkIdle(b *testing.B) {
	var rss, cpu []float64
	for run := 0; run < benchRuns; run++ {
		in := startAsPID1(b, "KAFKA_CREATE_TOPICS="+seedTopic+":1:1")
		in.waitProbe("/readyz", 200, "ready", 2*time.Minute)
		pid := in.supervisorPid()
		before := cpuTicks(b, pid)
		select {
		case <-time.After(idleWindow): // the measurement window itself
		case <-in.done:
			b.Fatalf("supervisor exited (code %d) while idle", in.exitCode)
		}
		used := (cpuTicks(b, pid) - before) / clockTicks
		rss = append(rss, rssKiB(b, pid)/1024)
		cpu = append(cpu, 100*used/idleWindow.Seconds())
		in.stopCleanly()
	}
	b.ReportMetric(median(rss), "MiB-rss")
	b.ReportMetric(median(cpu), "%cpu-idle")
	b.Logf("supervisor idle, %d runs of %s: RSS median %.1f MiB (%.1f–%.1f), CPU median %.2f%% (%.2f–%.2f)",
		benchRuns, idleWindow, median(rss), slices.Min(rss), slices.Max(rss), median(cpu), slices.Min(cpu), slices.Max(cpu))
}

// BenchmarkStop measures the time from SIGTERM to the supervisor's exit,
// as PID 1 with ZooKeeper and Kafka running and ready: Kafka's controlled
// shutdown, then ZooKeeper's stop, in benchRuns separate runs.
func BenchmarkStop(b *testing.B) {
	var took []float64
	for run := 0; run < benchRuns; run++ {
		in := startAsPID1(b, "KAFKA_CREATE_TOPICS="+seedTopic+":1:1")
		in.waitProbe("/readyz", 200, "ready", 2*time.Minute)
		t0 := time.Now()
		in.signal(syscall.SIGTERM)
		code := in.wait(time.Minute)
		took = append(took, time.Since(t0).Seconds())
		if code != 0 {
			b.Fatalf("exit code: want 0, have %d", code)
		}
	}
	b.ReportMetric(median(took), "s/stop")
	b.Logf("SIGTERM to exit, %d runs: median %.2f s (%.2f–%.2f)", benchRuns, median(took), slices.Min(took), slices.Max(took))
}
