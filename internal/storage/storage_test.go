package storage

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadMeta(t *testing.T) {
	m, ok, err := ReadMeta("testdata/kraft-4.4.0")
	if err != nil || !ok {
		t.Fatalf("want a record, have ok %v, error %v", ok, err)
	}
	want := Meta{Path: filepath.Join("testdata/kraft-4.4.0", MetaFile), Version: 1, ClusterID: "MkU3OEVBNTcwNTJENDM2Qg", NodeID: 0, DirectoryID: "sD1yx6eiRBCQJ0mZfyBXnQ"}
	if m != want {
		t.Errorf("want %+v, have %+v", want, m)
	}
	if _, ok, err := ReadMeta(t.TempDir()); ok || err != nil {
		t.Errorf("empty directory: want not formatted and no error, have ok %v, error %v", ok, err)
	}
	if _, _, err := ReadMeta("testdata/no-node-id"); err == nil || !strings.Contains(err.Error(), "no node.id") {
		t.Errorf("want an error naming node.id, have %v", err)
	}
}

func TestInspect(t *testing.T) {
	const id = "MkU3OEVBNTcwNTJENDM2Qg"
	empty := t.TempDir()
	for _, tc := range []struct {
		name      string
		dirs      []string
		clusterID string
		nodeID    int
		want      string // the error, or "" when none
		wantID    string
	}{
		{name: "unformatted", dirs: []string{empty}, clusterID: "", wantID: ""},
		{name: "missing directory", dirs: []string{filepath.Join(empty, "not-yet")}, wantID: ""},
		{name: "same cluster", dirs: []string{"testdata/kraft-4.4.0"}, clusterID: id, wantID: id},
		{name: "cluster from the record", dirs: []string{"testdata/kraft-4.4.0", empty}, wantID: id},
		{name: "other cluster", dirs: []string{"testdata/kraft-4.4.0"}, clusterID: "4L6g3nShT-eMCtK--X86sw",
			want: "testdata/kraft-4.4.0/meta.properties holds cluster.id=" + id + ", but the configuration gives 4L6g3nShT-eMCtK--X86sw"},
		{name: "other node", dirs: []string{"testdata/kraft-4.4.0"}, nodeID: 3,
			want: "testdata/kraft-4.4.0/meta.properties holds node.id=0, but the configuration gives 3"},
		{name: "directories disagree", dirs: []string{"testdata/kraft-4.4.0", "testdata/other-cluster"},
			want: "testdata/other-cluster/meta.properties holds cluster.id=4L6g3nShT-eMCtK--X86sw, but the configuration gives " + id},
		{name: "zookeeper mode", dirs: []string{"testdata/zookeeper-3.9.1"},
			want: "testdata/zookeeper-3.9.1/meta.properties holds version=0, but the configuration gives 1 (KRaft"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Inspect(tc.dirs, tc.clusterID, tc.nodeID)
			if tc.want != "" {
				var m *Mismatch
				if !errors.As(err, &m) || !strings.HasPrefix(err.Error(), tc.want) {
					t.Fatalf("want a mismatch %q, have %v", tc.want, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want, have := tc.wantID, s.ClusterID; want != have {
				t.Errorf("want cluster id %q, have %q", want, have)
			}
			if want, have := len(tc.dirs), len(s.Formatted)+len(s.Unformatted); want != have {
				t.Errorf("want %d directories, have %d", want, have)
			}
		})
	}
}

func TestCheckClusterID(t *testing.T) {
	for _, tc := range []struct {
		id string
		ok bool
	}{
		{"MkU3OEVBNTcwNTJENDM2Qg", true},
		{"4L6g3nShT-eMCtK--X86sw", true},
		{"abc", false},
		{"", false},
		{"MkU3OEVBNTcwNTJENDM2Qg==", false},
		{"MkU3OEVBNTcwNTJENDM2Q+", false}, // standard, not URL-safe, base64
		{"MkU3OEVBNTcwNTJENDM2Qh", false}, // trailing bits set: not 16 bytes exactly
		{"-kU3OEVBNTcwNTJENDM2Qg", false},
	} {
		err := CheckClusterID(tc.id)
		if tc.ok != (err == nil) {
			t.Errorf("%q: want ok %v, have %v", tc.id, tc.ok, err)
		}
		if err != nil && !errors.Is(err, ErrClusterID) {
			t.Errorf("%q: want ErrClusterID, have %v", tc.id, err)
		}
	}
	seen := make(map[string]bool)
	for range 100 {
		id, err := NewClusterID()
		if err != nil {
			t.Fatal(err)
		}
		if err := CheckClusterID(id); err != nil {
			t.Fatalf("a new id is refused: %v", err)
		}
		if seen[id] {
			t.Fatalf("%s made twice", id)
		}
		seen[id] = true
	}
}

// TestDirectoryIDs: a record without a directory id (formatted before
// 3.7) is consistent; one with an id that is malformed, reserved, or the
// id of another directory is refused, naming the file.
func TestDirectoryIDs(t *testing.T) {
	const id = "MkU3OEVBNTcwNTJENDM2Qg"
	for _, tc := range []struct {
		name string
		dirs []string
		want string // the error, or "" when none
	}{
		{"each its own", []string{"testdata/kraft-4.4.0", "testdata/kraft-3.6"}, ""},
		{"a copy", []string{"testdata/kraft-4.4.0", "testdata/copy-of-kraft-4.4.0"},
			"testdata/copy-of-kraft-4.4.0/meta.properties holds directory.id=sD1yx6eiRBCQJ0mZfyBXnQ, as testdata/kraft-4.4.0/meta.properties does"},
		{"reserved", []string{"testdata/reserved-directory-id"},
			"testdata/reserved-directory-id/meta.properties: directory.id=AAAAAAAAAAAAAAAAAAAAAQ is reserved by Kafka"},
		{"malformed", []string{"testdata/bad-directory-id"},
			"testdata/bad-directory-id/meta.properties: directory.id=not-a-uuid is not a base64 UUID"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Inspect(tc.dirs, id, 0)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("want %q, have %v", tc.want, err)
			}
		})
	}
}

// TestVoterDirectoryID: the same on every call, a valid directory id,
// and different for another node or another cluster.
func TestVoterDirectoryID(t *testing.T) {
	const cluster = "MkU3OEVBNTcwNTJENDM2Qg"
	seen := map[string]string{}
	for _, tc := range []struct {
		cluster string
		node    int
	}{{cluster, 0}, {cluster, 1}, {cluster, 2}, {"4L6g3nShT-eMCtK--X86sw", 0}, {"", 0}} {
		id := VoterDirectoryID(tc.cluster, tc.node)
		if again := VoterDirectoryID(tc.cluster, tc.node); again != id {
			t.Errorf("%s/%d: %s, then %s", tc.cluster, tc.node, id, again)
		}
		if err := CheckDirectoryID(id); err != nil || len(id) != ClusterIDLen || id[0] == '-' {
			t.Errorf("%s/%d: %s: %v", tc.cluster, tc.node, id, err)
		}
		key := fmt.Sprintf("%s/%d", tc.cluster, tc.node)
		if other, ok := seen[id]; ok {
			t.Errorf("%s and %s share %s", key, other, id)
		}
		seen[id] = key
	}
}
