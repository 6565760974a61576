package props

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// serverSets is what the supervisor typically sets in Kafka's stock server.properties.
var serverSets = []KV{
	{"zookeeper.connect", "localhost:2181"},
	{"listeners", "PLAINTEXT://0.0.0.0:9092"},
	{"advertised.listeners", "PLAINTEXT://localhost:9092"},
	{"broker.id", "3"},
	{"log.dirs", "/var/lib/kafka/data"},
	{"auto.create.topics.enable", "false"},
}

func mustParse(t testing.TB, data []byte) *File {
	t.Helper()
	f, err := Parse(data)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return f
}

func mustSet(t testing.TB, f *File, set []KV) {
	t.Helper()
	for _, kv := range set {
		if err := f.Set(kv.Key, kv.Value); err != nil {
			t.Fatalf("set %q: %v", kv.Key, err)
		}
	}
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// diff describes the first line where want and have differ.
func diff(want, have []byte) string {
	w, h := strings.Split(string(want), "\n"), strings.Split(string(have), "\n")
	for i := 0; i < len(w) || i < len(h); i++ {
		var wl, hl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(h) {
			hl = h[i]
		}
		if wl != hl || i >= len(w) || i >= len(h) {
			return fmt.Sprintf("line %d: want %q, have %q", i+1, wl, hl)
		}
	}
	return "no difference"
}

func TestGolden(t *testing.T) {
	tests := []struct {
		name string // testdata/name.properties in, testdata/name.golden out
		set  []KV
	}{
		{
			name: "server",
			set:  serverSets,
		},
		{
			name: "zookeeper",
			set: []KV{
				{"dataDir", "/var/lib/zookeeper/data"},
				{"admin.serverPort", "8081"},
				{"4lw.commands.whitelist", "ruok,srvr"},
			},
		},
		{
			name: "tricky",
			set: []KV{
				{"long.list", "a,b"},
				{"dup", "fourth"},
				{"equals", "10"},
				{"colon", "22"},
				{"space", "33"},
				{"key with spaces", "  two leading blanks"},
				{"unicode", "naïve ☕"},
				{"no.separator", "now set"},
				{"new key:with=separators", `C:\new\path`},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustParse(t, readFile(t, filepath.Join("testdata", tt.name+".properties")))
			mustSet(t, f, tt.set)
			have := f.Bytes()

			golden := filepath.Join("testdata", tt.name+".golden")
			if *update {
				if err := os.WriteFile(golden, have, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if want := readFile(t, golden); !bytes.Equal(want, have) {
				t.Errorf("output differs from %s (run with -update to regenerate): %s", golden, diff(want, have))
			}

			// What was set reads back, from the file as written.
			g := mustParse(t, have)
			for _, kv := range tt.set {
				if want, have := kv.Value, get(g, kv.Key); want != have {
					t.Errorf("%s: want %q, have %q", kv.Key, want, have)
				}
			}
		})
	}
}

// get returns the value of key, or "<unset>".
func get(f *File, key string) string {
	v, ok := f.Get(key)
	if !ok {
		return "<unset>"
	}
	return v
}

// TestServerLayout checks the server golden independently of the golden file:
// every line stays where it was, commented defaults are uncommented in place,
// and the new key is appended.
func TestServerLayout(t *testing.T) {
	in := readFile(t, filepath.Join("testdata", "server.properties"))
	replace := map[string]string{
		"zookeeper.connect=zookeeper:2181":                      "zookeeper.connect=localhost:2181",
		"#listeners=PLAINTEXT://:9092":                          "listeners=PLAINTEXT://0.0.0.0:9092",
		"#advertised.listeners=PLAINTEXT://your.host.name:9092": "advertised.listeners=PLAINTEXT://localhost:9092",
		"broker.id=0":              "broker.id=3",
		"log.dirs=/tmp/kafka-logs": "log.dirs=/var/lib/kafka/data",
	}
	lines := strings.Split(strings.TrimSuffix(string(in), "\n"), "\n")
	replaced := 0
	for i, l := range lines {
		if r, ok := replace[l]; ok {
			lines[i] = r
			replaced++
		}
	}
	if want, have := len(replace), replaced; want != have {
		t.Fatalf("fixture: want %d lines to replace, found %d", want, have)
	}
	lines = append(lines, "auto.create.topics.enable=false")
	want := []byte(strings.Join(lines, "\n") + "\n")

	f := mustParse(t, in)
	mustSet(t, f, serverSets)
	if have := f.Bytes(); !bytes.Equal(want, have) {
		t.Errorf("%s", diff(want, have))
	}
}

func TestGetTricky(t *testing.T) {
	f := mustParse(t, readFile(t, filepath.Join("testdata", "tricky.properties")))
	tests := []struct {
		key, want string
	}{
		{"equals", "1"},
		{"colon", "2"},
		{"space", "3"},
		{"padded", "4"},
		{"tab", "5"},
		{"both", ": 6"},
		{"long.list", "one,two,three"},
		{"key with spaces", "a value"},
		{"key:colon=equals", "x"},
		{"path", `C:\kafka\data`},
		{"unicode", "café 😀"},
		{"tab.escape", "a\tb"},
		{"even.backslashes", `end\\`},
		{"not.continued", "yes"},
		{"dup", "third"},
		{"empty.value", ""},
		{"no.separator", ""},
		{"three", "<unset>"}, // a continuation line is not an entry of its own
		{"#equals", "<unset>"},
	}
	var keys []string
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			if want, have := tt.want, get(f, tt.key); want != have {
				t.Errorf("want %q, have %q", want, have)
			}
		})
		if tt.want != "<unset>" {
			keys = append(keys, tt.key)
		}
	}
	if want, have := keys, f.Keys(); !slices.Equal(want, have) {
		t.Errorf("keys: want %q, have %q", want, have)
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  map[string]string // expected Get results; "<unset>" for none
		keys  []string
	}{
		{
			name:  "empty",
			input: "",
			keys:  nil,
		},
		{
			name:  "crlf and cr line endings",
			input: "a=1\r\nb=2\rc=3\r\n",
			want:  map[string]string{"a": "1", "b": "2", "c": "3"},
			keys:  []string{"a", "b", "c"},
		},
		{
			name:  "comments after blanks",
			input: "  # a=1\n\t! b=2\n\f#c=3\n",
			want:  map[string]string{"a": "<unset>", "b": "<unset>", "c": "<unset>"},
		},
		{
			name:  "continuation line starting with a comment marker",
			input: "a=x\\\n  #not a comment\n",
			want:  map[string]string{"a": "x#not a comment"},
			keys:  []string{"a"},
		},
		{
			name:  "comment after an empty continued line",
			input: "\\\n#a=1\n  \\\n  !b=2\nc=3\n",
			want:  map[string]string{"a": "<unset>", "#a": "<unset>", "b": "<unset>", "c": "3"},
			keys:  []string{"c"},
		},
		{
			name:  "blank continuation line ends the entry",
			input: "a=x\\\n   \nb=y\n",
			want:  map[string]string{"a": "x", "b": "y"},
			keys:  []string{"a", "b"},
		},
		{
			name:  "continued key",
			input: "lo\\\n  ng=1\n",
			want:  map[string]string{"long": "1"},
			keys:  []string{"long"},
		},
		{
			name:  "backslash dangling at end of input",
			input: "a=x\\",
			want:  map[string]string{"a": "x"},
			keys:  []string{"a"},
		},
		{
			name:  "escaped separators and comment markers in key",
			input: "\\#a\\=b\\:c\\ d = v\n",
			want:  map[string]string{"#a=b:c d": "v"},
			keys:  []string{"#a=b:c d"},
		},
		{
			name:  "escapes in value",
			input: "a=\\ \\t\\n\\r\\f\\\\\\q\\u0041\n",
			want:  map[string]string{"a": " \t\n\r\f\\qA"},
			keys:  []string{"a"},
		},
		{
			name:  "lone surrogate escape",
			input: "a=\\uD800x\n",
			want:  map[string]string{"a": "\uFFFDx"},
			keys:  []string{"a"},
		},
		{
			name:  "raw utf-8",
			input: "größe=weiß\n",
			want:  map[string]string{"größe": "weiß"},
			keys:  []string{"größe"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustParse(t, []byte(tt.input))
			for k, v := range tt.want {
				if want, have := v, get(f, k); want != have {
					t.Errorf("%s: want %q, have %q", k, want, have)
				}
			}
			if want, have := tt.keys, f.Keys(); !slices.Equal(want, have) {
				t.Errorf("keys: want %q, have %q", want, have)
			}
		})
	}
}

func TestParseError(t *testing.T) {
	tests := []struct {
		name, input, want string
	}{
		{"short escape", "a=1\nb=\\u12", "line 2: malformed \\uXXXX escape"},
		{"bad hex digit", "a\\u00G1=1\n", "line 1: malformed \\uXXXX escape"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.input))
			if err == nil {
				t.Fatal("want an error, have none")
			}
			if want, have := tt.want, err.Error(); want != have {
				t.Errorf("want %q, have %q", want, have)
			}
		})
	}
}

func TestBytesUnchanged(t *testing.T) {
	// Without a Set, an LF file with a final newline comes back byte for byte.
	for _, name := range []string{"server", "zookeeper", "tricky"} {
		t.Run(name, func(t *testing.T) {
			in := readFile(t, filepath.Join("testdata", name+".properties"))
			if have := mustParse(t, in).Bytes(); !bytes.Equal(in, have) {
				t.Errorf("%s", diff(in, have))
			}
		})
	}
}

func TestSet(t *testing.T) {
	tests := []struct {
		name       string
		input      string
		key, value string
		want       string
	}{
		{
			name:  "replace in place",
			input: "a=1\nb=2\nc=3\n",
			key:   "b", value: "20",
			want: "a=1\nb=20\nc=3\n",
		},
		{
			name:  "replace keeps no other spelling",
			input: "  b  :  2\n",
			key:   "b", value: "20",
			want: "b=20\n",
		},
		{
			name:  "duplicates collapse into the first",
			input: "b=1\na=1\nb=2\n#b=3\nb=4\n",
			key:   "b", value: "5",
			want: "b=5\na=1\n#b=3\n",
		},
		{
			name:  "continued entry becomes one line",
			input: "a=1\nb=x,\\\n  y,\\\n  z\nc=3\n",
			key:   "b", value: "w",
			want: "a=1\nb=w\nc=3\n",
		},
		{
			name:  "active entry wins over a commented default",
			input: "#b=0\nb=1\n",
			key:   "b", value: "2",
			want: "#b=0\nb=2\n",
		},
		{
			name:  "uncomment the first commented default",
			input: "# Hostname.\n#host.name=localhost\n#host.name=example.com\nx=1\n",
			key:   "host.name", value: "0.0.0.0",
			want: "# Hostname.\nhost.name=0.0.0.0\n#host.name=example.com\nx=1\n",
		},
		{
			name:  "commented default with a blank after the marker",
			input: "# admin.serverPort=8080\n",
			key:   "admin.serverPort", value: "8081",
			want: "admin.serverPort=8081\n",
		},
		{
			name:  "commented default with a bang and a colon",
			input: "!a.b:1\n",
			key:   "a.b", value: "2",
			want: "a.b=2\n",
		},
		{
			name:  "prose mentioning the key is not a default",
			input: "# The id of the broker. broker.id must be unique\n# broker.id must be unique\n",
			key:   "broker.id", value: "1",
			want: "# The id of the broker. broker.id must be unique\n# broker.id must be unique\nbroker.id=1\n",
		},
		{
			name:  "example with blanks around the separator is not a default",
			input: "#     listeners = PLAINTEXT://your.host.name:9092\n#listeners=PLAINTEXT://:9092\n",
			key:   "listeners", value: "PLAINTEXT://0.0.0.0:9092",
			want: "#     listeners = PLAINTEXT://your.host.name:9092\nlisteners=PLAINTEXT://0.0.0.0:9092\n",
		},
		{
			name:  "default after an empty continued line is not used",
			input: "\\\n#a=1\n",
			key:   "a", value: "2",
			want: "\\\n#a=1\na=2\n",
		},
		{
			name:  "doubled marker is not a default",
			input: "##a=1\n",
			key:   "a", value: "2",
			want: "##a=1\na=2\n",
		},
		{
			name:  "default for a longer key does not match",
			input: "#a.b.c=1\n",
			key:   "a.b", value: "2",
			want: "#a.b.c=1\na.b=2\n",
		},
		{
			name:  "append",
			input: "a=1\n\n# end",
			key:   "b", value: "2",
			want: "a=1\n\n# end\nb=2\n",
		},
		{
			name:  "append to an empty file",
			input: "",
			key:   "a", value: "1",
			want: "a=1\n",
		},
		{
			name:  "append after a dangling backslash",
			input: "a=x\\",
			key:   "b", value: "2",
			want: "a=x\nb=2\n",
		},
		{
			name:  "crlf becomes lf",
			input: "a=1\r\nb=2\r\n",
			key:   "a", value: "3",
			want: "a=3\nb=2\n",
		},
		{
			name:  "values with separators are written unchanged",
			input: "",
			key:   "zookeeper.connect", value: "zk-0:2181,zk-1:2181/kafka=x",
			want: "zookeeper.connect=zk-0:2181,zk-1:2181/kafka=x\n",
		},
		{
			name:  "escaped key",
			input: "",
			key:   "#a b=c:d\\", value: "v",
			want: "\\#a\\ b\\=c\\:d\\\\=v\n",
		},
		{
			name:  "escaped value",
			input: "",
			key:   "k", value: " \tC:\\dir\\ #x é😀\x01",
			want: "k=\\ \\tC:\\\\dir\\\\ #x \\u00E9\\uD83D\\uDE00\\u0001\n",
		},
		{
			name:  "empty value",
			input: "k=1\n",
			key:   "k", value: "",
			want: "k=\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustParse(t, []byte(tt.input))
			if err := f.Set(tt.key, tt.value); err != nil {
				t.Fatal(err)
			}
			if want, have := tt.want, string(f.Bytes()); want != have {
				t.Errorf("want %q, have %q", want, have)
			}
			if want, have := tt.value, get(f, tt.key); want != have {
				t.Errorf("get: want %q, have %q", want, have)
			}
		})
	}
}

func TestIdempotent(t *testing.T) {
	for _, name := range []string{"server", "zookeeper", "tricky"} {
		t.Run(name, func(t *testing.T) {
			in := readFile(t, filepath.Join("testdata", name+".properties"))
			set := append(slices.Clone(serverSets), KV{"dup", "x"}, KV{"admin.serverPort", "8081"})

			f := mustParse(t, in)
			mustSet(t, f, set)
			once := f.Bytes()
			mustSet(t, f, set)
			if want, have := once, f.Bytes(); !bytes.Equal(want, have) {
				t.Errorf("same file, set twice: %s", diff(want, have))
			}
			g := mustParse(t, once)
			mustSet(t, g, set)
			if want, have := once, g.Bytes(); !bytes.Equal(want, have) {
				t.Errorf("parsed again, set again: %s", diff(want, have))
			}
		})
	}
}

func TestSetUnsafe(t *testing.T) {
	tests := []struct {
		name, key, value string
	}{
		{"newline in value", "log.dirs", "/data\nbroker.id=7"},
		{"carriage return in value", "log.dirs", "/data\rbroker.id=7"},
		{"nul in value", "log.dirs", "/data\x00"},
		{"invalid utf-8 in value", "log.dirs", "\xff"},
		{"newline in key", "a\nbroker.id", "7"},
		{"carriage return in key", "a\rb", "7"},
		{"nul in key", "a\x00b", "7"},
		{"tab in key", "a\tb", "7"},
		{"non-ascii key", "größe", "7"},
		{"empty key", "", "7"},
	}
	const input = "# Kafka\nbroker.id=0\nlog.dirs=/tmp\n"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustParse(t, []byte(input))
			err := f.Set(tt.key, tt.value)
			if !errors.Is(err, ErrUnsafe) {
				t.Fatalf("want ErrUnsafe, have %v", err)
			}
			if name := fmt.Sprintf("property %q: ", tt.key); !strings.HasPrefix(err.Error(), name) {
				t.Errorf("want the message to start with %q, have %q", name, err)
			}
			if want, have := input, string(f.Bytes()); want != have {
				t.Errorf("file changed: want %q, have %q", want, have)
			}
		})
	}
}

func TestSetUnsafeMessage(t *testing.T) {
	err := new(File).Set("log.dirs", "a\nb")
	if want, have := `property "log.dirs": value holds a newline`, err.Error(); want != have {
		t.Errorf("want %q, have %q", want, have)
	}
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name, key, value string
	}{
		{"windows path", "path", `C:\Program Files\kafka\`},
		{"unc path", "path", `\\server\share`},
		{"trailing backslash", "k", `ends\`},
		{"escape lookalike", "k", `\u0041\t\n`},
		{"leading spaces", "k", "   three"},
		{"leading tab", "k", "\tx"},
		{"trailing spaces", "k", "x   "},
		{"only spaces", "k", "   "},
		{"separators", "k", "a=b:c d"},
		{"leading separator", "k", "=:x"},
		{"comment markers", "k", "#not a comment !"},
		{"unicode", "k", "café 日本 😀"},
		{"replacement char", "k", "\uFFFD"},
		{"control chars", "k", "\x01\x1f\x7f\f"},
		{"empty", "k", ""},
		{"key with separators", "a=b:c d", "v"},
		{"key with comment marker", "#k", "v"},
		{"key with bang", "!k", "v"},
		{"key with backslashes", `a\b\\`, "v"},
		{"key with leading space", " k", "v"},
		{"key that is a separator", "=", "="},
	}
	const input = "# header\nk=old\nother=1\n"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustParse(t, []byte(input))
			if err := f.Set(tt.key, tt.value); err != nil {
				t.Fatal(err)
			}
			if want, have := tt.value, get(f, tt.key); want != have {
				t.Errorf("get: want %q, have %q", want, have)
			}
			g := mustParse(t, f.Bytes())
			if want, have := tt.value, get(g, tt.key); want != have {
				t.Errorf("get after parsing %q: want %q, have %q", f.Bytes(), want, have)
			}
			if want, have := "1", get(g, "other"); want != have {
				t.Errorf("other: want %q, have %q", want, have)
			}
		})
	}
}

func TestUnset(t *testing.T) {
	f, err := Parse([]byte("# head\nzookeeper.connect=a:2181\nbroker.id=0\nzookeeper.connect = b:2181\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !f.Unset("zookeeper.connect") {
		t.Fatal("want an entry unset")
	}
	if f.Unset("log.dirs") {
		t.Error("unset an entry that is not there")
	}
	if _, ok := f.Get("zookeeper.connect"); ok {
		t.Error("zookeeper.connect still set")
	}
	if want, have := "# head\n#zookeeper.connect=a:2181\nbroker.id=0\n#zookeeper.connect=b:2181\n", string(f.Bytes()); want != have {
		t.Errorf("want %q, have %q", want, have)
	}
}
