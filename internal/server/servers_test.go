package server

import (
	"errors"
	"slices"
	"sync"
	"testing"
)

// events records what the fake servers did, in order.
type events struct {
	mu   sync.Mutex
	list []string
}

func (e *events) add(s string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.list = append(e.list, s)
}

func (e *events) get() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.list)
}

// fakeServer runs until stopped or until it fails on its own; its Stop
// returns once its Run has returned, as a real one returns once its child
// is reaped.
type fakeServer struct {
	name  string
	log   *events
	stop  chan struct{}
	ended chan struct{}
	fail  chan error
	once  sync.Once
}

func newFake(name string, log *events) *fakeServer {
	return &fakeServer{name: name, log: log, stop: make(chan struct{}), ended: make(chan struct{}), fail: make(chan error, 1)}
}

func (f *fakeServer) Run() error {
	defer close(f.ended)
	select {
	case <-f.stop:
		f.log.add(f.name + " ended")
		return nil
	case err := <-f.fail:
		f.log.add(f.name + " failed")
		return err
	}
}

func (f *fakeServer) Stop() {
	f.once.Do(func() {
		f.log.add("stop " + f.name)
		close(f.stop)
		<-f.ended
		f.log.add(f.name + " reaped")
	})
}

func (f *fakeServer) Killed() bool { return false }

var errDied = errors.New("exited unexpectedly")

// TestServersStopOrder: however the stop comes, Kafka is stopped and
// reaped before ZooKeeper's stop begins, and Run returns once both ended.
func TestServersStopOrder(t *testing.T) {
	stopped := []string{"stop kafka", "kafka ended", "kafka reaped", "stop zookeeper", "zookeeper ended", "zookeeper reaped"}
	for _, tc := range []struct {
		name    string
		trigger func(s *Servers, kafka, zookeeper *fakeServer)
		want    []string
		wantErr error
	}{
		{"stop requested", func(s *Servers, _, _ *fakeServer) { s.Stop() }, stopped, nil},
		{"stop requested twice at once", func(s *Servers, _, _ *fakeServer) {
			var wg sync.WaitGroup
			for range 2 {
				wg.Go(s.Stop)
			}
			wg.Wait()
		}, stopped, nil},
		{"zookeeper dies", func(_ *Servers, _, zookeeper *fakeServer) { zookeeper.fail <- errDied },
			[]string{"zookeeper failed", "stop kafka", "kafka ended", "kafka reaped", "stop zookeeper", "zookeeper reaped"}, errDied},
		{"kafka dies", func(_ *Servers, kafka, _ *fakeServer) { kafka.fail <- errDied },
			[]string{"kafka failed", "stop kafka", "kafka reaped", "stop zookeeper", "zookeeper ended", "zookeeper reaped"}, errDied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log := &events{}
			kafka, zookeeper := newFake("kafka", log), newFake("zookeeper", log)
			s := &Servers{inStopOrder: []runner{kafka, zookeeper}}
			result := make(chan error, 1)
			go func() { result <- s.Run() }()
			tc.trigger(s, kafka, zookeeper)
			if want, have := tc.wantErr, <-result; !errors.Is(have, want) {
				t.Errorf("Run: want %v, have %v", want, have)
			}
			if want, have := tc.want, log.get(); !slices.Equal(want, have) {
				t.Errorf("want %q, have %q", want, have)
			}
		})
	}
}

// TestNewServersOrder: Kafka comes first, whichever the role runs.
func TestNewServersOrder(t *testing.T) {
	k, z := &Kafka{}, &ZooKeeper{}
	for _, tc := range []struct {
		name  string
		kafka *Kafka
		zk    *ZooKeeper
		want  []runner
	}{
		{"all", k, z, []runner{k, z}},
		{"kafka", k, nil, []runner{k}},
		{"zookeeper", nil, z, []runner{z}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if want, have := tc.want, NewServers(tc.kafka, tc.zk).inStopOrder; !slices.Equal(want, have) {
				t.Errorf("want %v, have %v", want, have)
			}
		})
	}
}
