// Package propdefs holds the property definitions of the Kafka broker and of
// the ZooKeeper server it ships, per Kafka version, and checks a property's
// name and value against them.
//
// The definitions are read from the jars of each version's distribution by
// `make propdefs` (scripts/propdefs.sh), which writes data/VERSION/broker.tsv
// and data/VERSION/zookeeper.tsv; adding a version is one run of it. Rows
// are name, type, enumeration, range and flags, separated by tabs:
//
//   - A broker from 0.9 on: every key of KafkaConfig's ConfigDef, with its
//     declared type, the values of a ValidString, CaseInsensitiveValidString
//     or ValidList validator, and the bounds of a Range validator
//     (gen/Gen.java). Other validators are not checked here; the broker
//     still checks them at start.
//   - A 0.8 broker has no ConfigDef: gen/Legacy.java runs the jar's own
//     KafkaConfig (and KafkaMetricsConfig) on a VerifiableProperties that
//     records each typed getter called (getInt, getIntInRange, getBoolean,
//     …), and runs it again with each name that containsKey asks for
//     present, so that conditional names (log.retention.ms) are found. Its
//     booleans are "true" or "false" in lower case, as 0.8 wants them.
//   - ZooKeeper: the keys QuorumPeerConfig.parseProperties compares the
//     key with (from its bytecode, typed by the Integer.parseInt,
//     Long.parseLong or boolean parse of each branch, with the constants a
//     value is compared with as an enumeration), and every system property
//     "zookeeper.<key>" the ZooKeeper jar names, since parseProperties sets
//     each other key of the file as that system property. Those are typed
//     string: ZooKeeper reads them with defaults on bad values. A constant
//     "zookeeper.ssl." is the family "ssl.*".
//
// A name ending in "*" is a family: any name with that prefix is known,
// and its value is not checked. Besides the generated rows, a broker with
// listener.security.protocol.map knows the per-listener family
// "listener.name.*", and one with authorizer.class.name knows the names its
// shipped authorizers read (super.users, allow.everyone.if.no.acl.found,
// "authorizer.zookeeper.*"), which no ConfigDef lists.
//
// The supervisor checks every KAFKA_ and ZOOKEEPER_ variable's property
// with a Set before it starts anything. The variable
// SUPERVISOR_EXTRA_PROPERTIES names what no definition lists (a plugin's
// keys, a custom family): property names, or prefixes ending in "*",
// separated by commas, written as given and unchecked, while every other
// name is still checked.
//
// A Kafka version without its own list uses the nearest lower list of the
// same major version (0.x counts 0.8, 0.9… as majors); a version with no
// such list has no definitions (ErrNoDefinitions).
package propdefs

import (
	"bufio"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"path"
	"slices"
	"strconv"
	"strings"
)

//go:embed data
var data embed.FS

// ErrNoDefinitions is returned for a version with no list to check against.
var ErrNoDefinitions = errors.New("no property definitions")

// Def is the definition of one property, or of a family of them.
type Def struct {
	// Name is the property's name; a family's ends in "*".
	Name string
	// Type is int, long, short, double, boolean, string, list, class or
	// password.
	Type string
	// Values lists the allowed values (of each entry, for a list); none
	// when any value of the type is allowed.
	Values []string
	// FoldCase says Values are compared without regard to case.
	FoldCase bool
	// Min and Max bound a number; "" is no bound.
	Min, Max string
}

// Set is the definitions of one server of one version.
type Set struct {
	// Server is "broker" or "ZooKeeper".
	Server string
	// Product names whose definitions these are: "Kafka 3.9.1" or
	// "ZooKeeper 3.8.4".
	Product  string
	defs     map[string]Def
	families []Def
}

// Broker returns the broker's definitions for Kafka version.
func Broker(version string) (*Set, error) {
	s, err := load(version, "broker.tsv")
	if err != nil {
		return nil, err
	}
	for _, r := range brokerRules {
		if _, ok := s.defs[r.when]; ok {
			for _, n := range r.names {
				s.add(Def{Name: n, Type: "string"})
			}
		}
	}
	return s, nil
}

// ZooKeeper returns the definitions of the ZooKeeper that Kafka version
// ships.
func ZooKeeper(version string) (*Set, error) {
	return load(version, "zookeeper.tsv")
}

// brokerRules are names the broker knows outside any ConfigDef, present
// when the definitions hold the name `when`.
var brokerRules = []struct {
	when  string
	names []string
}{
	{"listener.security.protocol.map", []string{"listener.name.*"}},
	{"authorizer.class.name", []string{"super.users", "allow.everyone.if.no.acl.found", "authorizer.zookeeper.*"}},
}

// Versions lists the Kafka versions with a list of their own, oldest first.
func Versions() []string {
	entries, _ := fs.ReadDir(data, "data")
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	slices.SortFunc(out, func(a, b string) int { return slices.Compare(parts(a), parts(b)) })
	return out
}

// listFor picks the list of version: its own, else the nearest lower one
// of the same major version.
func listFor(version string) (string, error) {
	want := parts(version)
	if want == nil {
		return "", fmt.Errorf("%w for Kafka %q: not a version", ErrNoDefinitions, version)
	}
	major := func(p []int) []int {
		if p[0] == 0 && len(p) > 1 {
			return p[:2]
		}
		return p[:1]
	}
	best := ""
	for _, v := range Versions() {
		p := parts(v)
		if slices.Equal(major(p), major(want)) && slices.Compare(p, want) <= 0 {
			best = v
		}
	}
	if best == "" {
		return "", fmt.Errorf("%w for Kafka %s (lists: %s)", ErrNoDefinitions, version, strings.Join(Versions(), ", "))
	}
	return best, nil
}

// parts splits "3.9.1" into numbers, or returns nil.
func parts(v string) []int {
	var out []int
	for _, f := range strings.Split(v, ".") {
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 {
			return nil
		}
		out = append(out, n)
	}
	return out
}

func load(version, file string) (*Set, error) {
	v, err := listFor(version)
	if err != nil {
		return nil, err
	}
	f, err := data.Open(path.Join("data", v, file))
	if err != nil {
		return nil, fmt.Errorf("%w for Kafka %s: %v", ErrNoDefinitions, version, err)
	}
	defer f.Close()
	s := &Set{Server: "broker", Product: "Kafka " + v, defs: make(map[string]Def)}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if header, ok := strings.CutPrefix(line, "# zookeeper "); ok && n == 1 {
			zk, _, _ := strings.Cut(header, ":")
			s.Server, s.Product = "ZooKeeper", "ZooKeeper "+zk
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 5 {
			return nil, fmt.Errorf("%s/%s line %d: want 5 fields, have %d", v, file, n, len(f))
		}
		d := Def{Name: f[0], Type: f[1], FoldCase: slices.Contains(strings.Split(f[4], ","), "foldcase")}
		if f[2] != "" {
			d.Values = strings.Split(f[2], ",")
		}
		d.Min, d.Max, _ = strings.Cut(f[3], "..")
		s.add(d)
	}
	return s, sc.Err()
}

func (s *Set) add(d Def) {
	if prefix, ok := strings.CutSuffix(d.Name, "*"); ok {
		s.families = append(s.families, Def{Name: prefix, Type: d.Type})
		return
	}
	s.defs[d.Name] = d
}

// String names the set as messages do: "Kafka 3.9.1".
func (s *Set) String() string { return s.Product }

// Names lists the known names, sorted, families with their trailing "*".
func (s *Set) Names() []string {
	var out []string
	for n := range s.defs {
		out = append(out, n)
	}
	for _, f := range s.families {
		out = append(out, f.Name+"*")
	}
	slices.Sort(out)
	return out
}

// Lookup returns the definition of name, or of the family it belongs to.
func (s *Set) Lookup(name string) (Def, bool) {
	if d, ok := s.defs[name]; ok {
		return d, true
	}
	for _, f := range s.families {
		if strings.HasPrefix(name, f.Name) {
			return Def{Name: f.Name + "*", Type: f.Type}, true
		}
	}
	return Def{}, false
}

// UnknownError is a name the definitions do not know.
type UnknownError struct {
	Set  *Set
	Name string
}

func (e *UnknownError) Error() string {
	return fmt.Sprintf("no %s property %q in %s", e.Set.Server, e.Name, e.Set)
}

// Check checks name and value: an unknown name is an *UnknownError; a value
// the type, enumeration or range refuses is an error that reads
// `"" is not a whole number; broker property log.retention.hours is an int`.
// Values are trimmed, as ConfigDef and ZooKeeper trim them.
func (s *Set) Check(name, value string) error {
	d, ok := s.Lookup(name)
	if !ok {
		return &UnknownError{s, name}
	}
	if strings.HasSuffix(d.Name, "*") {
		return nil
	}
	bad := func(what, is string) error {
		return fmt.Errorf("%q %s; %s property %s is %s", value, what, s.Server, name, is)
	}
	v := strings.TrimSpace(value)
	switch d.Type {
	case "int", "long", "short":
		bits := map[string]int{"int": 32, "long": 64, "short": 16}[d.Type]
		n, err := strconv.ParseInt(v, 10, bits)
		if err != nil {
			return bad("is not a whole number", article(d.Type))
		}
		if !inRange(float64(n), d) {
			return bad("is out of range", article(d.Type)+bounds(d))
		}
	case "double":
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(n) {
			return bad("is not a number", "a double")
		}
		if !inRange(n, d) {
			return bad("is out of range", "a double"+bounds(d))
		}
	case "boolean":
		if d.Values == nil && !strings.EqualFold(v, "true") && !strings.EqualFold(v, "false") {
			return bad("is not true or false", "a boolean")
		}
	case "class":
		if v == "" || strings.ContainsAny(v, " \t,") {
			return bad("is not a class name", "a class")
		}
	}
	if d.Values == nil {
		return nil
	}
	entries := []string{v}
	is := "one of " + strings.Join(d.Values, ", ")
	if d.Type == "list" {
		if v == "" {
			return nil
		}
		entries = strings.Split(v, ",")
		is = "a list of " + strings.Join(d.Values, ", ")
	}
	for _, e := range entries {
		e = strings.TrimSpace(e)
		if !slices.ContainsFunc(d.Values, func(a string) bool { return a == e || d.FoldCase && strings.EqualFold(a, e) }) {
			return bad("is not allowed", is)
		}
	}
	return nil
}

func article(typ string) string {
	if strings.ContainsRune("aeiou", rune(typ[0])) {
		return "an " + typ
	}
	return "a " + typ
}

func inRange(n float64, d Def) bool {
	if lo, err := strconv.ParseFloat(d.Min, 64); err == nil && n < lo {
		return false
	}
	if hi, err := strconv.ParseFloat(d.Max, 64); err == nil && n > hi {
		return false
	}
	return true
}

// bounds words a range, leaving out a bound at the type's own limit.
func bounds(d Def) string {
	limit := map[string]bool{"2147483647": true, "9223372036854775807": true, "32767": true, "1.7976931348623157E308": true}
	var out string
	if d.Min != "" {
		out += " from " + d.Min
	}
	if d.Max != "" && !limit[d.Max] {
		out += " up to " + d.Max
	}
	return out
}

// Nearest returns the known name nearest to name, for a "did you mean",
// or "" when none is near enough (see Nearest).
func (s *Set) Nearest(name string) string {
	var names []string
	for n := range s.defs {
		names = append(names, n)
	}
	return Nearest(name, names)
}

// Nearest returns the candidate nearest to word by edit distance
// (insertions, deletions, substitutions and swaps of neighbours, without
// regard to case), or "" when the nearest is further than a typo: one edit
// per six characters of word, plus one, and at most three. Ties go to the
// candidate first in sorted order.
func Nearest(word string, candidates []string) string {
	most := min(1+len(word)/6, 3)
	best, bestD := "", most+1
	for _, c := range candidates {
		d := distance(strings.ToLower(word), strings.ToLower(c))
		if d < bestD || d == bestD && c < best {
			best, bestD = c, d
		}
	}
	if bestD > most {
		return ""
	}
	return best
}

// distance is the optimal string alignment distance of a and b.
func distance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
