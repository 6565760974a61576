package config

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/kafka-on-kubernetes/supervisor/internal/envprops"
	"github.com/kafka-on-kubernetes/supervisor/internal/propdefs"
	"github.com/kafka-on-kubernetes/supervisor/internal/props"
)

// supervisorVars are the SUPERVISOR_ variables the supervisor reads; any
// other is refused as a typo.
var supervisorVars = []string{
	"SUPERVISOR_ROLE", "SUPERVISOR_MODE", "SUPERVISOR_CONFIG_DIR", "SUPERVISOR_DATA_DIR", "SUPERVISOR_RUN_DIR",
	"SUPERVISOR_HTTP_ADDR", "SUPERVISOR_STOP_TIMEOUT", "SUPERVISOR_START_TIMEOUT",
	"SUPERVISOR_LOG_FORMAT", "SUPERVISOR_LOG_LEVEL", "SUPERVISOR_SERVER_LOG_LEVEL",
	"SUPERVISOR_RESTART", "SUPERVISOR_RESTART_LIMIT", "SUPERVISOR_RESTART_BACKOFF",
	"SUPERVISOR_CHECK_PERIOD", "SUPERVISOR_CHECK_FAILURES", "SUPERVISOR_HANG_TIMEOUT",
	extraVar,
}

// extraVar lists properties the definitions do not know (a plugin's, an
// authorizer's): names, or prefixes ending in "*", separated by commas.
// They are written as given, unchecked.
const extraVar = "SUPERVISOR_EXTRA_PROPERTIES"

// checkSupervisorVars refuses a SUPERVISOR_ variable the supervisor does
// not read, suggesting the nearest one it does.
func checkSupervisorVars(e env) error {
	var names []string
	for name := range e {
		if strings.HasPrefix(name, "SUPERVISOR_") && !slices.Contains(supervisorVars, name) {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	sort.Strings(names)
	if near := propdefs.Nearest(names[0], supervisorVars); near != "" {
		return &Error{Var: names[0], Msg: fmt.Sprintf("no such variable; did you mean %s?", near)}
	}
	return &Error{names[0], "no such variable", "one of " + strings.Join(supervisorVars, ", ")}
}

// extraName is one entry of SUPERVISOR_EXTRA_PROPERTIES.
var extraName = regexp.MustCompile(`^[A-Za-z0-9_.-]+\*?$`)

// extraProperties reads SUPERVISOR_EXTRA_PROPERTIES.
func extraProperties(e env) ([]string, error) {
	v := e.get(extraVar, "")
	if v == "" {
		return nil, nil
	}
	var out []string
	for _, n := range strings.Split(v, ",") {
		n = strings.TrimSpace(n)
		if !extraName.MatchString(n) {
			return nil, &Error{extraVar, fmt.Sprintf("%q is not a property name", n), "property names or prefixes ending in *, separated by commas"}
		}
		out = append(out, n)
	}
	return out, nil
}

// checkProps checks the properties the variables set against the
// definitions of the server of c.Version (see package propdefs): an
// unknown name is refused with the nearest known variable, a bad value
// with its type. A name in SUPERVISOR_EXTRA_PROPERTIES is not checked,
// nor an empty variable that leaves the supervisor's default alone (see
// merge). Without definitions for the version, nothing is checked.
func (c *Config) checkProps(e env, server string, defaults []props.KV, extra []envprops.Property) error {
	prefix, reserved := envprops.KafkaPrefix, reservedKafka
	if server == "zookeeper" {
		prefix, reserved = envprops.ZooKeeperPrefix, reservedZooKeeper
	}
	set, allowed, err := c.definitions(e, server)
	if set == nil || err != nil {
		return err
	}
	for _, p := range extra {
		if p.Value == "" && slices.ContainsFunc(defaults, func(kv props.KV) bool { return kv.Key == p.Key }) {
			continue
		}
		if isExtra(allowed, p.Key) {
			continue
		}
		err := set.Check(p.Key, p.Value)
		var unknown *propdefs.UnknownError
		if errors.As(err, &unknown) {
			if near := nearestVar(set, prefix, reserved, p.Var); near != "" {
				return &Error{Var: p.Var, Msg: fmt.Sprintf("%v; did you mean %s?", err, near)}
			}
			return &Error{p.Var, err.Error(), "a property of " + set.String() + ", or its name in " + extraVar}
		}
		if err != nil {
			return &Error{Var: p.Var, Msg: err.Error()}
		}
	}
	return nil
}

// nearestVar returns the variable nearest to name among those of the
// set's properties and the reserved ones, or "".
func nearestVar(set *propdefs.Set, prefix string, reserved map[string]bool, name string) string {
	var vars []string
	for _, n := range set.Names() {
		if !strings.HasSuffix(n, "*") {
			vars = append(vars, prefix+envVar(n))
		}
	}
	for r := range reserved {
		vars = append(vars, prefix+r)
	}
	return propdefs.Nearest(name, vars)
}

// envVar is the variable suffix that envprops maps to the property name:
// "." is "_", "_" is "__", "-" is "___", and a camelCase hump is "_".
func envVar(name string) string {
	var b strings.Builder
	for i, r := range name {
		switch {
		case r == '.':
			b.WriteString("_")
		case r == '_':
			b.WriteString("__")
		case r == '-':
			b.WriteString("___")
		case r >= 'A' && r <= 'Z' && i > 0 && name[i-1] >= 'a' && name[i-1] <= 'z':
			b.WriteString("_" + string(r))
		default:
			b.WriteString(strings.ToUpper(string(r)))
		}
	}
	return b.String()
}

// zooKeeperKeys are the ZooKeeper property names of c.Version, so that a
// variable maps to its camelCase spelling (ZOOKEEPER_SNAP_COUNT is
// snapCount).
func (c *Config) zooKeeperKeys() []string {
	set, err := propdefs.ZooKeeper(c.Version)
	if err != nil {
		return envprops.ZooKeeperKeys
	}
	var out []string
	for _, n := range set.Names() {
		if !strings.HasSuffix(n, "*") {
			out = append(out, n)
		}
	}
	return append(out, envprops.ZooKeeperKeys...)
}

// checkBase checks the values the base file itself gives to properties
// that no variable and no default of the supervisor replaces, so that a
// value the server would refuse (an empty log.retention.hours= left by an
// older release that rewrote the file in place) is named with its file
// before anything starts. Names the definitions do not list are the
// user's own (a plugin's) and left alone, as are those of
// SUPERVISOR_EXTRA_PROPERTIES.
func (c *Config) checkBase(e env, server, path string, file *props.Source, effective []props.KV) error {
	set, allowed, err := c.definitions(e, server)
	if set == nil || err != nil {
		return err
	}
	for _, key := range file.Keys() {
		if slices.ContainsFunc(effective, func(kv props.KV) bool { return kv.Key == key }) || isExtra(allowed, key) {
			continue
		}
		if _, known := set.Lookup(key); !known {
			continue
		}
		value, _ := file.Get(key)
		if err := set.Check(key, value); err != nil {
			return &Error{Var: path, Msg: fmt.Sprintf("%s: %v", key, err),
				Want: "a value the server takes, the line removed, or the variable that sets it"}
		}
	}
	return nil
}

// isExtra reports whether SUPERVISOR_EXTRA_PROPERTIES lets key through.
func isExtra(allowed []string, key string) bool {
	return slices.ContainsFunc(allowed, func(a string) bool {
		prefix, family := strings.CutSuffix(a, "*")
		return a == key || family && strings.HasPrefix(key, prefix)
	})
}

// definitions returns the definitions of the server ("kafka" or
// "zookeeper") of c.Version, or nil when the version has none, and the
// names SUPERVISOR_EXTRA_PROPERTIES lets through.
func (c *Config) definitions(e env, server string) (*propdefs.Set, []string, error) {
	get := propdefs.Broker
	if server == "zookeeper" {
		get = propdefs.ZooKeeper
	}
	set, err := get(c.Version)
	if errors.Is(err, propdefs.ErrNoDefinitions) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	allowed, err := extraProperties(e)
	if err != nil {
		return nil, nil, err
	}
	return set, allowed, nil
}
