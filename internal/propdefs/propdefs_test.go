package propdefs

import (
	"bufio"
	"errors"
	"os"
	"strings"
	"testing"
)

// TestCheck runs the rows of testdata/check.tsv: a version, a server, a
// name and a value, and "ok" or a part of the error Check must return.
func TestCheck(t *testing.T) {
	f, err := os.Open("testdata/check.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	rows := 0
	for n := 1; sc.Scan(); n++ {
		if strings.HasPrefix(sc.Text(), "#") || sc.Text() == "" {
			continue
		}
		row := strings.Split(sc.Text(), "\t")
		if len(row) != 5 {
			t.Fatalf("check.tsv line %d: want 5 fields, have %d", n, len(row))
		}
		rows++
		version, server, name, value, want := row[0], row[1], row[2], row[3], row[4]
		t.Run(strings.Join(row[:3], "/")+"="+value, func(t *testing.T) {
			get := Broker
			if server == "zookeeper" {
				get = ZooKeeper
			}
			set, err := get(version)
			if err != nil {
				t.Fatal(err)
			}
			err = set.Check(name, value)
			switch {
			case want == "ok" && err != nil:
				t.Errorf("want no error, have %v", err)
			case want != "ok" && err == nil:
				t.Errorf("want an error with %q, have none", want)
			case want != "ok" && !strings.Contains(err.Error(), want):
				t.Errorf("want an error with %q, have %q", want, err)
			}
		})
	}
	if rows == 0 {
		t.Fatal("check.tsv has no rows")
	}
}

func TestUnknownIsTyped(t *testing.T) {
	set, err := Broker("3.9.1")
	if err != nil {
		t.Fatal(err)
	}
	var unknown *UnknownError
	if err := set.Check("brokerid", "1"); !errors.As(err, &unknown) || unknown.Name != "brokerid" {
		t.Errorf("want an *UnknownError for brokerid, have %v", err)
	}
	if err := set.Check("num.partitions", "x"); errors.As(err, &unknown) {
		t.Errorf("a bad value is not an unknown name: %v", err)
	}
}

func TestNearest(t *testing.T) {
	broker, err := Broker("3.9.1")
	if err != nil {
		t.Fatal(err)
	}
	zk, err := ZooKeeper("3.9.1")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		set        *Set
		name, want string
	}{
		{broker, "zookeper.connect", "zookeeper.connect"},
		{broker, "brokerid", "broker.id"},
		{broker, "log.retention.hour", "log.retention.hours"},
		{broker, "num.partitoins", "num.partitions"},
		{broker, "advertized.listeners", "advertised.listeners"},
		{broker, "my.plugin.key", ""},
		{broker, "zz", ""},
		{zk, "tickTiem", "tickTime"},
		{zk, "ticktime", "tickTime"},
		{zk, "datadir", "dataDir"},
	} {
		if have := tc.set.Nearest(tc.name); tc.want != have {
			t.Errorf("%s: nearest to %q: want %q, have %q", tc.set, tc.name, tc.want, have)
		}
	}
	for _, tc := range []struct {
		word       string
		candidates []string
		want       string
	}{
		{"RESTRAT", []string{"RESTART", "RESTART_LIMIT", "ROLE"}, "RESTART"},
		{"STOP_TIMOUT", []string{"STOP_TIMEOUT", "START_TIMEOUT"}, "STOP_TIMEOUT"},
		{"ab", []string{"cd", "xy"}, ""},
		{"abc", []string{"abd", "abe"}, "abd"},
		{"anything", nil, ""},
	} {
		if have := Nearest(tc.word, tc.candidates); tc.want != have {
			t.Errorf("nearest to %q: want %q, have %q", tc.word, tc.want, have)
		}
	}
}

func TestVersions(t *testing.T) {
	for _, tc := range []struct{ version, list string }{
		{"3.9.1", "Kafka 3.9.1"},
		{"3.9.2", "Kafka 3.9.1"},
		{"3.10.0", "Kafka 3.9.1"},
		{"2.8.2", "Kafka 2.8.2"},
		{"0.8.2.2", "Kafka 0.8.2.1"},
	} {
		set, err := Broker(tc.version)
		if err != nil {
			t.Errorf("%s: %v", tc.version, err)
			continue
		}
		if want, have := tc.list, set.String(); want != have {
			t.Errorf("%s: want the list of %s, have %s", tc.version, want, have)
		}
	}
	for _, v := range []string{"3.0.0", "2.7.0", "1.1.0", "0.7.2", "0.8.1", "latest"} {
		if _, err := Broker(v); !errors.Is(err, ErrNoDefinitions) {
			t.Errorf("%s: want ErrNoDefinitions, have %v", v, err)
		}
	}
	for v, zk := range map[string]string{"0.8.2.1": "ZooKeeper 3.4.6", "2.8.2": "ZooKeeper 3.5.9", "3.9.1": "ZooKeeper 3.8.4"} {
		set, err := ZooKeeper(v)
		if err != nil {
			t.Fatal(err)
		}
		if want, have := zk, set.String(); want != have {
			t.Errorf("Kafka %s ships %s, have %s", v, want, have)
		}
	}
}
