package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/kafka-on-kubernetes/supervisor/internal/props"
)

// Ordinal is the value of KAFKA_BROKER_ID and ZOOKEEPER_MY_ID that takes
// the id from the StatefulSet ordinal at the end of the host name.
const Ordinal = "ordinal"

// Limits of a ZooKeeper ensemble as the supervisor configures it: myid is
// 1 to 255, one entry per member.
const (
	maxMembers      = 255
	defaultPeer     = 2888
	defaultElection = 3888
)

// Member is one ZooKeeper of the ensemble, server.<n> in zookeeper.properties.
type Member struct {
	Host     string
	Peer     int // the followers' port to the leader
	Election int // the leader election port
}

// String gives the member as server.<n> takes it: host:peer:election.
func (m Member) String() string {
	return fmt.Sprintf("%s:%d:%d", m.Host, m.Peer, m.Election)
}

// Defaults written with an ensemble when neither the file nor a variable
// gives them. ZooKeeper refuses to run an ensemble without initLimit and
// syncLimit (in ticks), which the stock zookeeper.properties lacks; and a
// member in a pod binds its quorum ports on every address, because its own
// entry names the pod's DNS name, which the pod need not resolve to one of
// its own addresses before it is ready (nor at all behind a Service).
var ensembleDefaults = []props.KV{
	{Key: "initLimit", Value: "10"},
	{Key: "syncLimit", Value: "5"},
	{Key: "quorumListenOnAllIPs", Value: "true"},
}

// serverKey matches the ensemble's entries in zookeeper.properties.
var serverKey = regexp.MustCompile(`^server\.([0-9]+)$`)

// loadEnsemble reads ZOOKEEPER_SERVERS and ZOOKEEPER_MY_ID and returns the
// properties they add to zookeeper.properties.
func (c *Config) loadEnsemble(e env, file *props.Source, path string) ([]props.KV, error) {
	var err error
	if c.Ensemble, err = parseServers(e.get("ZOOKEEPER_SERVERS", "")); err != nil {
		return nil, err
	}
	if s := e.get("ZOOKEEPER_MY_ID", ""); s != "" {
		if c.MyID, err = myID(s, e.get("HOSTNAME", "")); err != nil {
			return nil, err
		}
	}
	if len(c.Ensemble) == 0 {
		return nil, nil
	}
	if c.Role == RoleAll {
		return nil, &Error{"ZOOKEEPER_SERVERS", "an ensemble member runs without a broker, but role all runs both",
			"SUPERVISOR_ROLE=zookeeper with ZOOKEEPER_SERVERS, or no ZOOKEEPER_SERVERS"}
	}
	switch {
	case c.MyID == 0:
		return nil, &Error{"ZOOKEEPER_MY_ID", "unset, but ZOOKEEPER_SERVERS lists an ensemble", "this member's position in ZOOKEEPER_SERVERS (1 for the first), or ordinal"}
	case c.MyID > len(c.Ensemble):
		return nil, &Error{"ZOOKEEPER_MY_ID", fmt.Sprintf("%d, but ZOOKEEPER_SERVERS lists %d servers", c.MyID, len(c.Ensemble)),
			fmt.Sprintf("a number from 1 to %d (or ordinal, on pods 0 to %d)", len(c.Ensemble), len(c.Ensemble)-1)}
	}
	// A member that the list does not name would count in the quorum.
	for _, k := range file.Keys() {
		if m := serverKey.FindStringSubmatch(k); m != nil {
			if n, err := strconv.Atoi(m[1]); err != nil || n < 1 || n > len(c.Ensemble) {
				return nil, &Error{Var: path, Msg: fmt.Sprintf("has %s, which ZOOKEEPER_SERVERS does not list", k),
					Want: "no server.<n> entries beyond ZOOKEEPER_SERVERS's"}
			}
		}
	}
	var set []props.KV
	for _, kv := range ensembleDefaults {
		if _, ok := file.Get(kv.Key); !ok {
			set = append(set, kv)
		}
	}
	for i, m := range c.Ensemble {
		set = append(set, props.KV{Key: fmt.Sprintf("server.%d", i+1), Value: m.String()})
	}
	return set, nil
}

// parseServers reads ZOOKEEPER_SERVERS: host[:peerPort:electionPort],…
func parseServers(s string) ([]Member, error) {
	if s == "" {
		return nil, nil
	}
	const want = "host[:peerPort:electionPort],… (ports 1 to 65535, 2888:3888 when left out), 1 to 255 entries"
	entries := strings.Split(s, ",")
	if len(entries) > maxMembers {
		return nil, &Error{"ZOOKEEPER_SERVERS", fmt.Sprintf("%d entries", len(entries)), want}
	}
	out := make([]Member, 0, len(entries))
	for i, entry := range entries {
		m, ok := parseMember(strings.TrimSpace(entry))
		if !ok {
			return nil, &Error{"ZOOKEEPER_SERVERS", fmt.Sprintf("entry %d %q is not host[:peerPort:electionPort]", i+1, entry), want}
		}
		out = append(out, m)
	}
	return out, nil
}

// parseMember reads host, host:peer:election, or [ipv6]:peer:election.
func parseMember(s string) (Member, bool) {
	host, ports := s, ""
	if strings.HasPrefix(s, "[") {
		end := strings.Index(s, "]")
		if end < 0 || net.ParseIP(s[1:end]) == nil {
			return Member{}, false
		}
		host, ports = s[:end+1], s[end+1:]
		if ports != "" && !strings.HasPrefix(ports, ":") {
			return Member{}, false
		}
		ports = strings.TrimPrefix(ports, ":")
	} else if h, p, found := strings.Cut(s, ":"); found {
		host, ports = h, p
	}
	if host == "" || strings.ContainsAny(host, " \t\n\r\x00/=;,") {
		return Member{}, false
	}
	m := Member{Host: host, Peer: defaultPeer, Election: defaultElection}
	if ports == "" {
		return m, true
	}
	peer, election, found := strings.Cut(ports, ":")
	if !found {
		return Member{}, false
	}
	var err error
	if m.Peer, err = portNumber("", peer); err != nil {
		return Member{}, false
	}
	if m.Election, err = portNumber("", election); err != nil || m.Peer == m.Election {
		return Member{}, false
	}
	return m, true
}

// myID reads ZOOKEEPER_MY_ID: 1 to 255, or ordinal (the ordinal plus one).
func myID(s, hostname string) (int, error) {
	const want = "a number from 1 to 255, or ordinal (the StatefulSet ordinal of HOSTNAME, plus 1)"
	if s == Ordinal {
		n, err := ordinal("ZOOKEEPER_MY_ID", hostname, want)
		if err != nil {
			return 0, err
		}
		if n+1 > maxMembers {
			return 0, &Error{"ZOOKEEPER_MY_ID", fmt.Sprintf("ordinal %d of host name %q is past 254", n, hostname), want}
		}
		return n + 1, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxMembers {
		return 0, &Error{"ZOOKEEPER_MY_ID", fmt.Sprintf("%q is not an id", s), want}
	}
	return n, nil
}

// brokerID reads KAFKA_BROKER_ID: a whole number, or ordinal.
func brokerID(s, hostname string) (int, error) {
	const want = "a whole number from 0, or ordinal (the StatefulSet ordinal of HOSTNAME)"
	if s == Ordinal {
		return ordinal("KAFKA_BROKER_ID", hostname, want)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, &Error{"KAFKA_BROKER_ID", fmt.Sprintf("%q is not a broker id", s), want}
	}
	return n, nil
}

// stsOrdinal matches a StatefulSet pod's name, <set>-<ordinal>.
var stsOrdinal = regexp.MustCompile(`^[^.]*-([0-9]{1,9})$`)

// ordinal returns the StatefulSet ordinal at the end of the host name's
// first label: kafka-2 and kafka-2.kafka.default.svc give 2.
func ordinal(name, hostname, want string) (int, error) {
	label, _, _ := strings.Cut(hostname, ".")
	m := stsOrdinal.FindStringSubmatch(label)
	if m == nil {
		return 0, &Error{name, fmt.Sprintf("ordinal, but host name %q does not end in -<number>", hostname), want}
	}
	return strconv.Atoi(m[1])
}

// writeMyID writes <dataDir>/myid, atomically and only when it differs,
// so that a restart on the same volume leaves it alone.
func (c *Config) writeMyID() error {
	path := filepath.Join(c.ZooKeeperDataDir, "myid")
	data := []byte(strconv.Itoa(c.MyID) + "\n")
	old, err := os.ReadFile(path)
	switch {
	case err == nil && bytes.Equal(old, data):
		return nil
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return &Error{Var: path, Msg: fmt.Sprintf("cannot read: %v", err), Want: "a writable data directory"}
	}
	if err := props.WriteAtomic(path, data, 0o644); err != nil {
		return &Error{Var: path, Msg: fmt.Sprintf("cannot write: %v", errors.Unwrap(err)), Want: "a writable data directory"}
	}
	return nil
}
