package topics

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"syscall"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/hashicorp/go-hclog"
)

func TestMakePlan(t *testing.T) {
	spec := Spec{Name: "events", Partitions: 3, Replicas: 1, Config: map[string]string{"retention.ms": "1000", "cleanup.policy": "delete"}}
	for _, tc := range []struct {
		name     string
		have     map[string]Topic
		want     Plan
		nChanges int
	}{
		{"missing", nil, Plan{Create: []Spec{spec}}, 1},
		{"up to date", map[string]Topic{"events": {Partitions: 3, Replicas: 1, Config: map[string]string{"retention.ms": "1000", "cleanup.policy": "delete"}}},
			Plan{}, 0},
		{"fewer partitions", map[string]Topic{"events": {Partitions: 2, Replicas: 1, Config: map[string]string{"retention.ms": "1000", "cleanup.policy": "delete"}}},
			Plan{Partitions: map[string]int32{"events": 3}}, 1},
		{"config differs or unknown", map[string]Topic{"events": {Partitions: 3, Replicas: 1, Config: map[string]string{"retention.ms": "5"}}},
			Plan{Configs: map[string]map[string]string{"events": {"retention.ms": "1000", "cleanup.policy": "delete"}}}, 1},
		{"more partitions and other replicas", map[string]Topic{"events": {Partitions: 5, Replicas: 3, Config: map[string]string{"retention.ms": "1000", "cleanup.policy": "delete"}}},
			Plan{Refused: []Refusal{
				{"events", "partitions", 5, 3, "Kafka cannot remove partitions"},
				{"events", "replicas", 3, 1, "a replication-factor change is a partition reassignment"},
			}}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			have := MakePlan([]Spec{spec}, tc.have)
			want := tc.want
			if want.Partitions == nil {
				want.Partitions = map[string]int32{}
			}
			if want.Configs == nil {
				want.Configs = map[string]map[string]string{}
			}
			if !reflect.DeepEqual(want, have) {
				t.Errorf("want %+v\nhave %+v", want, have)
			}
			if want, have := tc.nChanges, have.Changes(); want != have {
				t.Errorf("changes: want %d, have %d", want, have)
			}
		})
	}
}

// TestAssign checks the properties Kafka's own assignment has: replicas of
// a partition on distinct brokers, leaders spread evenly, new partitions
// numbered on from the existing ones.
func TestAssign(t *testing.T) {
	brokers := []int32{1, 2, 3, 5}
	for _, tc := range []struct {
		first, count int32
		replicas     int16
	}{{0, 8, 3}, {0, 1, 1}, {3, 5, 2}, {0, 12, 4}} {
		t.Run(fmt.Sprintf("%d+%dx%d", tc.first, tc.count, tc.replicas), func(t *testing.T) {
			a := assign(brokers, "events", tc.first, tc.count, tc.replicas, nil)
			if want, have := int(tc.count), len(a); want != have {
				t.Fatalf("partitions: want %d, have %d", want, have)
			}
			leaders := map[int32]int{}
			for p := tc.first; p < tc.first+tc.count; p++ {
				rs, ok := a[fmt.Sprint(p)]
				if !ok {
					t.Fatalf("partition %d missing from %v", p, a)
				}
				if want, have := int(tc.replicas), len(rs); want != have {
					t.Fatalf("partition %d: want %d replicas, have %v", p, want, rs)
				}
				seen := map[int32]bool{}
				for _, r := range rs {
					if seen[r] {
						t.Fatalf("partition %d: broker %d twice in %v", p, r, rs)
					}
					seen[r] = true
				}
				leaders[rs[0]]++
			}
			for _, n := range leaders {
				if n > int(tc.count)/len(brokers)+1 {
					t.Errorf("leaders unevenly spread: %v", leaders)
				}
			}
		})
	}
	again := assign(brokers, "events", 0, 8, 3, nil)
	if !reflect.DeepEqual(again, assign(brokers, "events", 0, 8, 3, nil)) {
		t.Error("the same topic assigned two ways")
	}
	// New partitions go on from partition 0's leader, whatever the topic
	// name would pick: broker 5 is index 3, so partition p leads on index
	// (p+3) mod 4.
	more := assign(brokers, "events", 8, 4, 3, []int32{5, 1, 2})
	for p, want := range map[string]int32{"8": 5, "9": 1, "10": 2, "11": 3} {
		if have := more[p][0]; want != have {
			t.Errorf("partition %s after 8: want leader %d, have %d (%v)", p, want, have, more)
		}
	}
	for _, tc := range []struct {
		brokers  []int32
		replicas int16
	}{{nil, 1}, {[]int32{1}, 2}, {[]int32{1, 2}, 0}} {
		if have := assign(tc.brokers, "events", 0, 3, tc.replicas, nil); len(have) != 0 {
			t.Errorf("%v brokers, %d replicas: want no assignment, have %v", tc.brokers, tc.replicas, have)
		}
	}
}

func TestSameValue(t *testing.T) {
	for _, tc := range []struct {
		key, broker, spec string
		same              bool
	}{
		{"preallocate", "true", "TRUE", true},
		{"retention.ms", "5", "05", true},
		{"retention.ms", "5", "+5", true},
		{"retention.ms", "5", "6", false},
		{"min.cleanable.dirty.ratio", "0.5", "0.50", true},
		{"cleanup.policy", "compact,delete", "delete,compact", true},
		{"cleanup.policy", "compact", "compact,delete", false},
		{"message.format.version", "3.0-IV1", "3.0", false},
		{"unknown.key", "a", "a", true},
	} {
		if want, have := tc.same, sameValue(tc.key, tc.broker, tc.spec); want != have {
			t.Errorf("%s: %q and %q: want same=%t, have %t", tc.key, tc.broker, tc.spec, want, have)
		}
	}
}

// flakyCluster answers Create with failures first, then as a cluster
// with the topics created would.
type flakyCluster struct {
	failures []error // returned by the first Create calls, in turn
	creates  int
	created  map[string]Topic
}

func (f *flakyCluster) Describe(ctx context.Context, keys map[string][]string) (map[string]Topic, error) {
	return maps.Clone(f.created), nil
}

func (f *flakyCluster) Create(ctx context.Context, specs []Spec) ([]Spec, []Spec, error) {
	f.creates++
	if len(f.failures) > 0 {
		err := f.failures[0]
		f.failures = f.failures[1:]
		return nil, nil, err
	}
	for _, s := range specs {
		f.created[s.Name] = Topic{Partitions: s.Partitions, Replicas: s.Replicas}
	}
	return nil, nil, nil
}

func (f *flakyCluster) AddPartitions(context.Context, map[string]int32) error { return nil }

func (f *flakyCluster) SetConfigs(context.Context, map[string]map[string]string) error { return nil }

func TestReconcileAsksAgain(t *testing.T) {
	specs := []Spec{{Name: "events", Partitions: 2, Replicas: 1}}
	for _, tc := range []struct {
		name     string
		failures []error
		creates  int
		err      error
	}{
		{"controller moved", []error{fmt.Errorf("topic %q: %w", "events", sarama.ErrNotController)}, 2, nil},
		{"connection reset, then timed out", []error{syscall.ECONNRESET, sarama.ErrRequestTimedOut}, 3, nil},
		{"a refused config is final", []error{fmt.Errorf("topic %q: %w", "events", sarama.ErrInvalidConfig)}, 1, sarama.ErrInvalidConfig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &flakyCluster{failures: tc.failures, created: map[string]Topic{}}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := Reconcile(ctx, c, specs, hclog.NewNullLogger())
			if !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
				t.Errorf("want error %v, have %v", tc.err, err)
			}
			if want, have := tc.creates, c.creates; want != have {
				t.Errorf("Create calls: want %d, have %d", want, have)
			}
		})
	}
}
