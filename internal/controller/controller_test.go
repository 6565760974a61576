package controller

import (
	"errors"
	"testing"

	"github.com/kafka-on-kubernetes/supervisor/internal/watch"
)

func TestReady(t *testing.T) {
	for _, tc := range []struct {
		name string
		q    Quorum
		want string // "" for ready
	}{
		{"leader, registered", Quorum{Leader: 0, Registered: []int32{0, 1, 2}}, ""},
		{"itself the leader", Quorum{Leader: 1, Registered: []int32{1}}, ""},
		{"no leader", Quorum{Leader: -1, Registered: []int32{0, 1, 2}}, "not ready: the kraft quorum has no leader"},
		{"not caught up", Quorum{Leader: 0, Registered: []int32{0, 2}}, "not ready: controller 1 not caught up with the leader 0 (registered: [0 2])"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.q.Ready(1)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("want ready, have %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("want %q, have ready", tc.want)
			}
			if want, have := tc.want, err.Error(); want != have {
				t.Errorf("want %q, have %q", want, have)
			}
			if !errors.Is(err, watch.ErrNotReady) {
				t.Error("not a watch.ErrNotReady")
			}
		})
	}
}

func TestLeaderAddr(t *testing.T) {
	registered := map[int32]string{0: "c0.registered:9093", 2: "c2.registered:9093", 5: "c5.registered:9093"}
	voters := map[int32]string{0: "c0:9093", 1: "c1:9093", 2: "c2:9093"}
	for _, tc := range []struct {
		name   string
		leader int32
		voters map[int32]string
		want   string
	}{
		{"itself", 1, voters, "localhost:9093"},
		{"a configured voter", 2, voters, "c2:9093"},
		{"a voter added later", 5, voters, "c5.registered:9093"},
		{"no voters configured", 0, nil, "c0.registered:9093"},
		{"not registered yet", 7, voters, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := Quorum{Leader: tc.leader, Endpoints: registered}
			if have := q.leaderAddr(1, "localhost:9093", tc.voters); have != tc.want {
				t.Errorf("want %q, have %q", tc.want, have)
			}
		})
	}
}
