package controller

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/IBM/sarama"
)

// DescribeQuorum (API key 55, KIP-595) is answered by the quorum's leader
// only: any other controller answers NOT_LEADER_OR_FOLLOWER. sarama has
// no such request, so it is written here on the wire, in its version 0
// (Kafka 2.7 on; flexible, as every version of it is): a request header
// v2 and a response header v1.
const (
	apiDescribeQuorum = 55
	metadataTopic     = "__cluster_metadata"
	clientID          = "kafka-supervisor"
)

// Leadership is what a controller answers to DescribeQuorum.
type Leadership struct {
	// Leader and Epoch are the leader and its epoch as the controller
	// knows them.
	Leader, Epoch int32
	// Voters are the replica ids of the quorum's voters.
	Voters []int32
}

// AskLeader sends DescribeQuorum to the controller at addr on a new
// connection, whose dial, write and read each end within timeout. It
// fails unless the controller answers as the quorum's leader.
func AskLeader(addr string, timeout time.Duration) (Leadership, error) {
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return Leadership{}, err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(2 * timeout)); err != nil {
		return Leadership{}, err
	}
	const correlation = 1
	if _, err := conn.Write(describeQuorumRequest(correlation)); err != nil {
		return Leadership{}, fmt.Errorf("describe quorum: %w", err)
	}
	var size [4]byte
	if _, err := io.ReadFull(conn, size[:]); err != nil {
		return Leadership{}, fmt.Errorf("describe quorum: %w", err)
	}
	n := binary.BigEndian.Uint32(size[:])
	if n > 1<<20 {
		return Leadership{}, fmt.Errorf("describe quorum: answer of %d bytes", n)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(conn, body); err != nil {
		return Leadership{}, fmt.Errorf("describe quorum: %w", err)
	}
	return parseDescribeQuorum(body, correlation)
}

// describeQuorumRequest is a whole DescribeQuorum v0 request, size first,
// for partition 0 of the metadata topic.
func describeQuorumRequest(correlation int32) []byte {
	b := make([]byte, 4, 64) // the size, set at the end
	b = binary.BigEndian.AppendUint16(b, apiDescribeQuorum)
	b = binary.BigEndian.AppendUint16(b, 0) // version
	b = binary.BigEndian.AppendUint32(b, uint32(correlation))
	b = binary.BigEndian.AppendUint16(b, uint16(len(clientID)))
	b = append(b, clientID...)
	b = append(b, 0)               // the header's tagged fields
	b = binary.AppendUvarint(b, 2) // topics: one (compact arrays count n+1)
	b = binary.AppendUvarint(b, uint64(len(metadataTopic)+1))
	b = append(b, metadataTopic...)
	b = binary.AppendUvarint(b, 2) // partitions: one
	b = binary.BigEndian.AppendUint32(b, 0)
	b = append(b, 0, 0, 0) // tagged fields: the partition's, the topic's, the request's
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	return b
}

// parseDescribeQuorum reads a DescribeQuorum v0 answer (its size taken
// off). A top-level or partition error, such as the
// NOT_LEADER_OR_FOLLOWER of a controller that does not lead, is returned
// as a sarama.KError.
func parseDescribeQuorum(body []byte, correlation int32) (Leadership, error) {
	r := &reader{b: body}
	if have := r.int32(); r.err == nil && have != correlation {
		return Leadership{}, fmt.Errorf("describe quorum: answer to request %d, want %d", have, correlation)
	}
	r.tags()
	if code := r.int16(); r.err == nil && code != 0 {
		return Leadership{}, fmt.Errorf("describe quorum: %w", sarama.KError(code))
	}
	var out Leadership
	found := false
	for range r.count() {
		topic := r.string()
		for range r.count() {
			partition, code := r.int32(), r.int16()
			l := Leadership{Leader: r.int32(), Epoch: r.int32()}
			r.int64() // high watermark
			for range r.count() {
				l.Voters = append(l.Voters, r.int32())
				r.int64() // log end offset
				r.tags()
			}
			for range r.count() { // observers
				r.int32()
				r.int64()
				r.tags()
			}
			r.tags()
			if r.err == nil && topic == metadataTopic && partition == 0 {
				if code != 0 {
					return Leadership{}, fmt.Errorf("describe quorum: %w", sarama.KError(code))
				}
				out, found = l, true
			}
		}
		r.tags()
	}
	r.tags()
	switch {
	case r.err != nil:
		return Leadership{}, fmt.Errorf("describe quorum: %w", r.err)
	case !found:
		return Leadership{}, errors.New("describe quorum: no answer for the metadata partition")
	}
	return out, nil
}

// errShort is a malformed answer's error.
var errShort = errors.New("answer cut short")

// reader decodes Kafka's big-endian and compact (varint) fields; after
// its first error every read returns zero and the error stays.
type reader struct {
	b   []byte
	err error
}

func (r *reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.err = errShort
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) int16() int16 {
	if b := r.take(2); b != nil {
		return int16(binary.BigEndian.Uint16(b))
	}
	return 0
}

func (r *reader) int32() int32 {
	if b := r.take(4); b != nil {
		return int32(binary.BigEndian.Uint32(b))
	}
	return 0
}

func (r *reader) int64() int64 {
	if b := r.take(8); b != nil {
		return int64(binary.BigEndian.Uint64(b))
	}
	return 0
}

func (r *reader) uvarint() int {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 || v > 1<<31 {
		r.err = errShort
		return 0
	}
	r.b = r.b[n:]
	return int(v)
}

// count reads a compact array's or string's length; null counts 0. No
// element takes less than a byte, so a count beyond the bytes left is
// an error, not a loop.
func (r *reader) count() int {
	n := r.uvarint() - 1
	if n > len(r.b) {
		r.err = errShort
	}
	if r.err != nil || n < 0 {
		return 0
	}
	return n
}

func (r *reader) string() string {
	return string(r.take(r.count()))
}

// tags skips a tagged-fields section.
func (r *reader) tags() {
	for range r.uvarint() {
		r.uvarint()         // tag
		r.take(r.uvarint()) // take bounds the size
	}
}
