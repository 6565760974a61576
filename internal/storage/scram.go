package storage

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// ScramMechanisms are the SASL/SCRAM mechanisms Kafka keeps credentials for.
var ScramMechanisms = []string{"SCRAM-SHA-256", "SCRAM-SHA-512"}

// ParseScram reads SCRAM credentials for the format, one per line,
// "MECHANISM NAME PASSWORD" (the password is the rest of the line, without
// its surrounding blanks), with "#" comments and blank lines. It returns
// them as the format's --add-scram arguments,
// MECHANISM=[name=NAME,password=PASSWORD]. Kafka splits those on commas
// and at the first "=" of each part, so a name may hold no comma and no
// "=", and a password no comma; the format hashes the password with a
// salt of its own, and only the hash reaches the metadata log.
func ParseScram(r io.Reader) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		mechanism, rest, _ := strings.Cut(line, " ")
		name, password, _ := strings.Cut(strings.TrimSpace(rest), " ")
		password = strings.TrimSpace(password)
		switch {
		case mechanism != ScramMechanisms[0] && mechanism != ScramMechanisms[1]:
			return nil, fmt.Errorf("line %d: mechanism %q: want %s", n, mechanism, strings.Join(ScramMechanisms, " or "))
		case name == "" || password == "":
			return nil, fmt.Errorf("line %d: want MECHANISM NAME PASSWORD", n)
		case strings.ContainsAny(name, ",="):
			return nil, fmt.Errorf("line %d: name %q: want no comma and no =", n, name)
		case strings.Contains(password, ","):
			return nil, fmt.Errorf("line %d: the password of %s: want no comma (Kafka's format splits on commas)", n, name)
		case seen[mechanism+" "+name]:
			return nil, fmt.Errorf("line %d: %s %s again", n, mechanism, name)
		}
		seen[mechanism+" "+name] = true
		out = append(out, fmt.Sprintf("%s=[name=%s,password=%s]", mechanism, name, password))
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no credentials: want lines of MECHANISM NAME PASSWORD")
	}
	return out, nil
}
