package topics

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Spec is one topic as the user asked for it.
type Spec struct {
	Name       string
	Partitions int32
	Replicas   int16
	// Config holds topic-level overrides such as cleanup.policy.
	Config map[string]string
}

// ErrSpec is wrapped by every error about a malformed topic spec.
var ErrSpec = errors.New("bad topic spec")

// maxNameLen is the longest topic name Kafka accepts.
const maxNameLen = 249

// Parse reads KAFKA_CREATE_TOPICS: comma-separated entries of the form
// name:partitions:replicas[:cleanup.policy], as the community images take
// it. A blank list has no topics; a blank entry (a trailing comma) or a
// repeated name is an error.
func Parse(list string) ([]Spec, error) {
	var specs []Spec
	if strings.TrimSpace(list) == "" {
		return nil, nil
	}
	seen := make(map[string]bool)
	for i, entry := range strings.Split(list, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			return nil, fmt.Errorf("%w: entry %d is empty", ErrSpec, i+1)
		}
		s, err := parseEntry(entry)
		if err != nil {
			return nil, err
		}
		if seen[s.Name] {
			return nil, fmt.Errorf("%w: topic %q: listed twice", ErrSpec, s.Name)
		}
		seen[s.Name] = true
		specs = append(specs, s)
	}
	return specs, nil
}

func parseEntry(entry string) (Spec, error) {
	fields := strings.Split(entry, ":")
	if len(fields) < 3 || len(fields) > 4 {
		return Spec{}, fmt.Errorf("%w: %q: want name:partitions:replicas[:cleanup.policy]", ErrSpec, entry)
	}
	name := fields[0]
	if err := ValidName(name); err != nil {
		return Spec{}, err
	}
	partitions, err := strconv.ParseInt(fields[1], 10, 32)
	if err != nil || partitions < 1 {
		return Spec{}, fmt.Errorf("%w: topic %q: partitions %q: want a whole number from 1", ErrSpec, name, fields[1])
	}
	replicas, err := strconv.ParseInt(fields[2], 10, 16)
	if err != nil || replicas < 1 {
		return Spec{}, fmt.Errorf("%w: topic %q: replicas %q: want a whole number from 1", ErrSpec, name, fields[2])
	}
	s := Spec{Name: name, Partitions: int32(partitions), Replicas: int16(replicas)}
	if len(fields) == 4 {
		switch policy := fields[3]; policy {
		case "delete", "compact":
			s.Config = map[string]string{"cleanup.policy": policy}
		default:
			return Spec{}, fmt.Errorf("%w: topic %q: cleanup.policy %q: want delete or compact", ErrSpec, name, policy)
		}
	}
	return s, nil
}

// ValidName checks a topic name as Kafka does: 1 to 249 characters from
// [a-zA-Z0-9._-], and neither "." nor "..".
func ValidName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: empty topic name", ErrSpec)
	case len(name) > maxNameLen:
		return fmt.Errorf("%w: topic %q: name longer than %d characters", ErrSpec, name[:20]+"…", maxNameLen)
	case name == "." || name == "..":
		return fmt.Errorf("%w: topic %q: name cannot be . or ..", ErrSpec, name)
	}
	for _, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
		if !ok {
			return fmt.Errorf("%w: topic %q: name has %q; allowed are a-z A-Z 0-9 . _ -", ErrSpec, name, r)
		}
	}
	return nil
}

// ParseFile reads the topics file (KAFKA_TOPICS_FILE): one topic per line,
// name:partitions:replicas[:cleanup.policy] as in KAFKA_CREATE_TOPICS, then
// any number of topic configs as key=value, separated by blanks. Blank
// lines and lines starting with # are skipped. Errors name the line.
func ParseFile(r io.Reader) ([]Spec, error) {
	var specs []Spec
	seen := make(map[string]int)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		s, err := parseLine(fields)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if first, ok := seen[s.Name]; ok {
			return nil, fmt.Errorf("line %d: %w: topic %q: listed twice (first on line %d)", n, ErrSpec, s.Name, first)
		}
		seen[s.Name] = n
		specs = append(specs, s)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	return specs, nil
}

func parseLine(fields []string) (Spec, error) {
	s, err := parseEntry(fields[0])
	if err != nil {
		return Spec{}, err
	}
	for _, kv := range fields[1:] {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" || v == "" {
			return Spec{}, fmt.Errorf("%w: topic %q: config %q: want key=value", ErrSpec, s.Name, kv)
		}
		if _, dup := s.Config[k]; dup {
			return Spec{}, fmt.Errorf("%w: topic %q: config %s set twice", ErrSpec, s.Name, k)
		}
		if s.Config == nil {
			s.Config = make(map[string]string)
		}
		s.Config[k] = v
	}
	return s, nil
}

// String formats the spec back in the topics file's form: the
// KAFKA_CREATE_TOPICS entry (with a cleanup.policy of delete or compact as
// its fourth field), then the other configs sorted by key.
func (s Spec) String() string {
	out := fmt.Sprintf("%s:%d:%d", s.Name, s.Partitions, s.Replicas)
	p, ok := s.Config["cleanup.policy"]
	short := ok && (p == "delete" || p == "compact")
	if short {
		out += ":" + p
	}
	for _, k := range slices.Sorted(maps.Keys(s.Config)) {
		if k != "cleanup.policy" || !short {
			out += " " + k + "=" + s.Config[k]
		}
	}
	return out
}
