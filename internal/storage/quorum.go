package storage

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Quorum is how a formatted metadata log knows its controllers.
type Quorum int

const (
	// QuorumUnknown: the directory holds no metadata log.
	QuorumUnknown Quorum = iota
	// QuorumStatic: the voters are controller.quorum.voters (kraft.version 0).
	QuorumStatic
	// QuorumDynamic: the voters are in the log itself (kraft.version 1,
	// KIP-853), as a format with --standalone or --initial-controllers
	// leaves them.
	QuorumDynamic
)

func (q Quorum) String() string {
	return [...]string{"unknown", "static", "dynamic"}[q]
}

// metadataPartition is the directory of the metadata log.
const metadataPartition = "__cluster_metadata-0"

// bootstrapSnapshot is the snapshot the format writes, at offset 0.
const bootstrapSnapshot = "00000000000000000000-0000000000.checkpoint"

// votersRecord is the type of the control record that holds the voters
// (KRaftVersionRecord is 5).
const votersRecord = 6

// InspectQuorum tells how the metadata log in dir (metadata.log.dir, or
// the first log directory) was formatted. Once the node has run, its
// quorum-state file says it: data_version 0 keeps the static voters,
// data_version 1 leaves them to the log. Before the first start, the
// format's snapshot says it: a dynamic format writes the voters into it
// as a control record, a static one does not.
func InspectQuorum(dir string) (Quorum, error) {
	part := filepath.Join(dir, metadataPartition)
	b, err := os.ReadFile(filepath.Join(part, "quorum-state"))
	switch {
	case err == nil:
		var s struct {
			DataVersion *int `json:"data_version"`
		}
		if err := json.Unmarshal(b, &s); err != nil || s.DataVersion == nil {
			return QuorumUnknown, fmt.Errorf("%s: not a quorum state: %q", filepath.Join(part, "quorum-state"), b)
		}
		if *s.DataVersion == 0 {
			return QuorumStatic, nil
		}
		return QuorumDynamic, nil
	case !errors.Is(err, fs.ErrNotExist):
		return QuorumUnknown, err
	}
	path := filepath.Join(part, bootstrapSnapshot)
	b, err = os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return QuorumUnknown, nil
	}
	if err != nil {
		return QuorumUnknown, err
	}
	types, err := controlRecordTypes(b)
	if err != nil {
		return QuorumUnknown, fmt.Errorf("%s: %w", path, err)
	}
	for _, t := range types {
		if t == votersRecord {
			return QuorumDynamic, nil
		}
	}
	return QuorumStatic, nil
}

// controlRecordTypes returns the types of the control records of the
// record batches (format v2) in b. A control batch is never compressed;
// its records' keys are a version and a type, two int16.
func controlRecordTypes(b []byte) ([]int16, error) {
	const header = 61 // from baseOffset to the record count
	var out []int16
	for off := 0; off+header <= len(b); {
		length := int(int32(binary.BigEndian.Uint32(b[off+8:])))
		end := off + 12 + length
		if length < header-12 || end > len(b) {
			return nil, fmt.Errorf("record batch at %d: length %d", off, length)
		}
		if b[off+16] != 2 {
			return nil, fmt.Errorf("record batch at %d: magic %d, want 2", off, b[off+16])
		}
		const control = 0x20
		if binary.BigEndian.Uint16(b[off+21:])&control != 0 {
			count := int(int32(binary.BigEndian.Uint32(b[off+57:])))
			p := off + header
			for range count {
				size, n := binary.Varint(b[p:end])
				if n <= 0 || size < 0 || p+n+int(size) > end {
					return nil, fmt.Errorf("record batch at %d: bad record at %d", off, p)
				}
				next := p + n + int(size)
				q := p + n + 1 // attributes
				for range 2 {  // timestamp and offset deltas
					_, m := binary.Varint(b[q:next])
					if m <= 0 {
						return nil, fmt.Errorf("record batch at %d: bad record at %d", off, p)
					}
					q += m
				}
				keyLen, m := binary.Varint(b[q:next])
				if m <= 0 || keyLen < 4 || q+m+int(keyLen) > next {
					return nil, fmt.Errorf("record batch at %d: control record without a key at %d", off, p)
				}
				q += m
				out = append(out, int16(binary.BigEndian.Uint16(b[q+2:])))
				p = next
			}
		}
		off = end
	}
	return out, nil
}
