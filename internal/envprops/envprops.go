// Package envprops maps KAFKA_<NAME> and ZOOKEEPER_<NAME> environment
// variables to property names, with the convention of the official Kafka
// image: "_" is ".", "__" is "_" and "___" is "-".
package envprops

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Property is one property set by an environment variable.
type Property struct {
	Var   string // the variable, for error messages
	Key   string
	Value string
}

// Prefixes of the two property families.
const (
	KafkaPrefix     = "KAFKA_"
	ZooKeeperPrefix = "ZOOKEEPER_"
)

// serviceLink matches the variables Kubernetes injects for every Service
// (for one named kafka-headless: KAFKA_HEADLESS_SERVICE_HOST,
// KAFKA_HEADLESS_PORT_9092_TCP_ADDR, …): taken as properties they would
// break the broker's configuration.
var serviceLink = regexp.MustCompile(`^[A-Z0-9_]+?_(SERVICE_HOST|SERVICE_PORT(_[A-Z0-9_]+)?|PORT_[0-9]+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)$`)

// linkValue matches the value of a Service's <NAME>_PORT variable.
var linkValue = regexp.MustCompile(`^(tcp|udp|sctp)://`)

// IsServiceLink reports whether name=value is a variable that Kubernetes
// injected for a Service rather than one the user set.
func IsServiceLink(name, value string) bool {
	return serviceLink.MatchString(name) || strings.HasSuffix(name, "_PORT") && linkValue.MatchString(value)
}

// FromEnv returns the properties that variables with prefix set, sorted by
// variable name, skipping the reserved ones (named without the prefix) and
// Kubernetes service links (see IsServiceLink). known lists property names whose spelling
// cannot come from the convention (ZooKeeper's camelCase dataDir): a
// mapped name that matches one of them but for case and separators takes
// its spelling. A value holding a newline, carriage return or NUL, which
// could smuggle in a second property, is an error naming the variable.
func FromEnv(env []string, prefix string, reserved map[string]bool, known []string) ([]Property, error) {
	spelling := make(map[string]string, len(known))
	for _, k := range known {
		spelling[fold(k)] = k
	}
	var out []Property
	for _, kv := range env {
		name, value, _ := strings.Cut(kv, "=")
		suffix, ok := strings.CutPrefix(name, prefix)
		if !ok || suffix == "" || reserved[suffix] {
			continue
		}
		if IsServiceLink(name, value) {
			continue
		}
		if strings.ContainsAny(value, "\n\r\x00") {
			return nil, fmt.Errorf("%s: value holds a newline or NUL; a property value is one line", name)
		}
		key := Name(suffix)
		if k, ok := spelling[fold(key)]; ok {
			key = k
		}
		out = append(out, Property{Var: name, Key: key, Value: value})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Var < out[j].Var })
	return out, nil
}

// Name turns a variable suffix into a property name: LOG_DIRS is log.dirs,
// A__B is a_b, A___B is a-b.
func Name(suffix string) string {
	var b strings.Builder
	for i := 0; i < len(suffix); {
		if suffix[i] != '_' {
			b.WriteByte(suffix[i])
			i++
			continue
		}
		n := 0
		for i < len(suffix) && suffix[i] == '_' && n < 3 {
			n++
			i++
		}
		b.WriteString([]string{"", ".", "_", "-"}[n])
	}
	return strings.ToLower(b.String())
}

// fold reduces a property name to lower-case letters and digits.
func fold(key string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return -1
	}, key)
}

// ZooKeeperKeys are ZooKeeper's camelCase property names, so that
// ZOOKEEPER_DATA_DIR sets dataDir as users of other images expect.
var ZooKeeperKeys = []string{
	"dataDir", "dataLogDir", "clientPort", "clientPortAddress", "secureClientPort",
	"tickTime", "initLimit", "syncLimit", "maxClientCnxns", "minSessionTimeout",
	"maxSessionTimeout", "autopurge.snapRetainCount", "autopurge.purgeInterval",
	"admin.enableServer", "admin.serverPort", "admin.serverAddress",
	"4lw.commands.whitelist", "standaloneEnabled", "reconfigEnabled",
	"quorumListenOnAllIPs", "electionPortBindRetry", "snapCount", "preAllocSize",
	"globalOutstandingLimit", "leaderServes", "cnxTimeout", "syncEnabled",
	"metricsProvider.className", "metricsProvider.httpPort",
}
