// Package storage reads the record a KRaft node keeps of its formatted log
// directories, meta.properties, and checks it against the configuration
// before anything starts.
//
// A KRaft broker or controller refuses an unformatted log directory; Kafka's
// StorageTool formats it, writing meta.properties with the cluster id and
// the node id. That file is the record: the cluster id a start needs is read
// back from it, so a restart needs no KAFKA_CLUSTER_ID, and one that
// disagrees with the configuration is refused before anything starts or
// is overwritten, instead of the broker failing late with a stack trace.
// The supervisor never greps the tool's output to learn whether a
// directory is formatted.
//
// # Directory ids
//
// From 3.7 on each directory's record also holds a directory.id of its
// own (KIP-858), which the configuration does not give: the format
// generates it, and Kafka adds one at start to a directory an older
// version formatted. A record without one is therefore not inconsistent.
// What Kafka refuses at start, and Inspect refuses before it, is an id
// that is not a base64 UUID, one of the ids below 100 that Kafka reserves
// (they mark unassigned, lost or migrating replicas), and one id in two
// directories, which is what copying a log directory (a cloned volume, a
// backup restored beside the original) leaves: the controller would take
// the two for one directory.
package storage

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"

	"github.com/kafka-on-kubernetes/supervisor/internal/props"
)

// MetaFile is the name of the record in each formatted log directory.
const MetaFile = "meta.properties"

// Meta is what meta.properties records.
type Meta struct {
	Path      string // the file it was read from
	Version   int    // 1 for KRaft; 0 was written by a ZooKeeper-mode broker
	ClusterID string
	NodeID    int // node.id (version 1) or broker.id (version 0)
	// DirectoryID is directory.id, written from 3.7 on, or "".
	DirectoryID string
}

// ReadMeta reads dir's meta.properties. It returns ok false, and no error,
// when the directory holds none: it is not formatted.
func ReadMeta(dir string) (m Meta, ok bool, err error) {
	path := filepath.Join(dir, MetaFile)
	src, err := props.Read(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Meta{}, false, nil
	}
	if err != nil {
		return Meta{}, false, err
	}
	m.Path = path
	get := func(key string) (string, error) {
		v, found := src.Get(key)
		if !found {
			return "", fmt.Errorf("%s: no %s", path, key)
		}
		return v, nil
	}
	v, err := get("version")
	if err != nil {
		return Meta{}, false, err
	}
	if m.Version, err = strconv.Atoi(v); err != nil || m.Version < 0 || m.Version > 1 {
		return Meta{}, false, fmt.Errorf("%s: version=%s is neither 0 nor 1", path, v)
	}
	if m.ClusterID, err = get("cluster.id"); err != nil {
		return Meta{}, false, err
	}
	idKey := "node.id"
	if m.Version == 0 {
		idKey = "broker.id"
	}
	if v, err = get(idKey); err != nil {
		return Meta{}, false, err
	}
	if m.NodeID, err = strconv.Atoi(v); err != nil {
		return Meta{}, false, fmt.Errorf("%s: %s=%s is not a number", path, idKey, v)
	}
	if m.DirectoryID, _ = src.Get("directory.id"); m.DirectoryID != "" {
		if err := CheckDirectoryID(m.DirectoryID); err != nil {
			return Meta{}, false, fmt.Errorf("%s: directory.id=%s %w", path, m.DirectoryID, err)
		}
	}
	return m, true, nil
}

// CheckDirectoryID refuses what Kafka refuses as a directory id: not a
// UUID in URL-safe base64, or one of the reserved ids, whose first 64
// bits are 0 and last 64 below 100.
func CheckDirectoryID(id string) error {
	b, err := base64.RawURLEncoding.Strict().DecodeString(id)
	if err != nil || len(b) != 16 {
		return errors.New("is not a base64 UUID")
	}
	if binary.BigEndian.Uint64(b[:8]) == 0 && binary.BigEndian.Uint64(b[8:]) < 100 {
		return errors.New("is reserved by Kafka (ids below 100 mark unassigned, lost or migrating replicas)")
	}
	return nil
}

// VoterDirectoryID is the directory id of the metadata log of controller
// nodeID in the initial quorum of cluster clusterID, when the list of
// initial controllers gives none: the same on every node that computes
// it, so that the controllers of a StatefulSet can share one list in
// their environment, and different from cluster to cluster. It is a
// version 4 UUID made of a SHA-256 of the two, never reserved and never
// starting with '-' (the tools would take it for an option).
func VoterDirectoryID(clusterID string, nodeID int) string {
	for i := 0; ; i++ {
		sum := sha256.Sum256([]byte(fmt.Sprintf("kafka-on-kubernetes voter directory %s %d %d", clusterID, nodeID, i)))
		b := sum[:16]
		b[6] = b[6]&0x0f | 0x40
		b[8] = b[8]&0x3f | 0x80
		if id := base64.RawURLEncoding.EncodeToString(b); id[0] != '-' && CheckDirectoryID(id) == nil {
			return id
		}
	}
}

// DuplicateDirectory is two formatted directories with one directory.id:
// one is a copy of the other.
type DuplicateDirectory struct {
	Path  string // the record read second
	Other string // the record read first
	ID    string
}

func (d *DuplicateDirectory) Error() string {
	return fmt.Sprintf("%s holds directory.id=%s, as %s does", d.Path, d.ID, d.Other)
}

// Mismatch is a formatted directory whose record disagrees with the
// configuration: it names the file, the property and both values.
type Mismatch struct {
	Path     string
	Property string
	Have     string // in the file
	Want     string // from the configuration
}

func (m *Mismatch) Error() string {
	return fmt.Sprintf("%s holds %s=%s, but the configuration gives %s", m.Path, m.Property, m.Have, m.Want)
}

// Check compares a record with the node's configuration: a KRaft record
// (version 1), the node id, and the cluster id unless want is "" (the
// configuration names none, and the record gives it).
func (m Meta) Check(clusterID string, nodeID int) error {
	switch {
	case m.Version != 1:
		return &Mismatch{m.Path, "version", strconv.Itoa(m.Version), "1 (KRaft; version 0 was written by a ZooKeeper-mode broker)"}
	case clusterID != "" && m.ClusterID != clusterID:
		return &Mismatch{m.Path, "cluster.id", m.ClusterID, clusterID}
	case m.NodeID != nodeID:
		return &Mismatch{m.Path, "node.id", strconv.Itoa(m.NodeID), strconv.Itoa(nodeID)}
	}
	return nil
}

// State is what the log directories of a node hold.
type State struct {
	// ClusterID is the formatted directories' cluster id, or "" when none
	// is formatted.
	ClusterID string
	// Formatted and Unformatted list the directories by whether they hold
	// a meta.properties.
	Formatted, Unformatted []string
}

// Inspect reads the record of every directory and checks it against the
// configuration (clusterID may be ""). The formatted directories must also
// agree with each other on the cluster id, and each have a directory id
// of its own. A directory that does not exist yet is unformatted.
func Inspect(dirs []string, clusterID string, nodeID int) (State, error) {
	var s State
	seen := map[string]string{} // directory id → record
	for _, d := range dirs {
		m, ok, err := ReadMeta(d)
		if err != nil {
			return State{}, err
		}
		if !ok {
			s.Unformatted = append(s.Unformatted, d)
			continue
		}
		want := clusterID
		if want == "" {
			want = s.ClusterID // the first record read gives it
		}
		if err := m.Check(want, nodeID); err != nil {
			return State{}, err
		}
		if other, ok := seen[m.DirectoryID]; ok {
			return State{}, &DuplicateDirectory{Path: m.Path, Other: other, ID: m.DirectoryID}
		}
		if m.DirectoryID != "" {
			seen[m.DirectoryID] = m.Path
		}
		s.ClusterID = m.ClusterID
		s.Formatted = append(s.Formatted, d)
	}
	return s, nil
}

// ClusterIDLen is the length of a cluster id: 16 bytes in URL-safe base64
// without padding, as Kafka's Uuid prints them.
const ClusterIDLen = 22

// ErrClusterID says a cluster id is not a base64 UUID.
var ErrClusterID = errors.New("not a base64 UUID")

// CheckClusterID refuses what Kafka's Uuid would not print: Kafka itself
// formats with any string ("abc"), and such an id is then the cluster's.
func CheckClusterID(id string) error {
	if len(id) != ClusterIDLen {
		return fmt.Errorf("%q has %d characters, not %d: %w", id, len(id), ClusterIDLen, ErrClusterID)
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(id)
	if err != nil || len(b) != 16 {
		return fmt.Errorf("%q is not URL-safe base64 of 16 bytes: %w", id, ErrClusterID)
	}
	if id[0] == '-' {
		// Kafka's Uuid.randomUuid never makes one: the tools take it for an option.
		return fmt.Errorf("%q starts with '-': %w", id, ErrClusterID)
	}
	return nil
}

// NewClusterID returns a random cluster id, as Kafka's Uuid.randomUuid
// makes one: a version 4 UUID in URL-safe base64, never starting with '-'.
func NewClusterID() (string, error) {
	for {
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", fmt.Errorf("new cluster id: %w", err)
		}
		b[6] = b[6]&0x0f | 0x40
		b[8] = b[8]&0x3f | 0x80
		if id := base64.RawURLEncoding.EncodeToString(b[:]); id[0] != '-' {
			return id, nil
		}
	}
}
