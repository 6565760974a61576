package storage

import (
	"os"
	"path/filepath"
	"testing"
)

// TestInspectQuorum reads what 4.4.0's format and first start left:
// testdata/quorum holds a static and a dynamic (--standalone) format's
// snapshot, and the quorum state of each after a start.
func TestInspectQuorum(t *testing.T) {
	for _, tc := range []struct {
		dir  string
		want Quorum
	}{
		{"static-new", QuorumStatic},
		{"dynamic-new", QuorumDynamic},
		{"static-started", QuorumStatic},
		{"dynamic-started", QuorumDynamic},
		{"unformatted", QuorumUnknown},
	} {
		have, err := InspectQuorum(filepath.Join("testdata", "quorum", tc.dir))
		if err != nil {
			t.Errorf("%s: %v", tc.dir, err)
			continue
		}
		if have != tc.want {
			t.Errorf("%s: want %s, have %s", tc.dir, tc.want, have)
		}
	}
}

// TestControlRecordTypes: the snapshot of a dynamic format holds the
// snapshot header (3), the kraft.version (5) and the voters (6); a
// truncated one is an error, not a guess.
func TestControlRecordTypes(t *testing.T) {
	b := readFixture(t, "dynamic-new")
	types, err := controlRecordTypes(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(types) < 3 || types[0] != 3 || types[1] != 5 || types[2] != 6 {
		t.Errorf("want 3, 5, 6 first, have %v", types)
	}
	if _, err := controlRecordTypes(b[:70]); err == nil {
		t.Error("a truncated batch: want an error")
	}
}

func readFixture(t *testing.T, dir string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "quorum", dir, metadataPartition, bootstrapSnapshot))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
