package topics

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/IBM/sarama"
)

func TestParseFileGood(t *testing.T) {
	f, err := os.Open("testdata/files/good.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	specs, err := ParseFile(f)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("testdata/files/good.want")
	if err != nil {
		t.Fatal(err)
	}
	var have strings.Builder
	for _, s := range specs {
		have.WriteString(s.String() + "\n")
	}
	if want, have := string(want), have.String(); want != have {
		t.Errorf("want\n%s\nhave\n%s", want, have)
	}
}

func TestParseFileErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"bad entry", "a:1:1\nb:1\n", `line 2: bad topic spec: "b:1": want name:partitions:replicas`},
		{"config without value", "a:1:1 retention.ms\n", `line 1: bad topic spec: topic "a": config "retention.ms": want key=value`},
		{"config empty value", "a:1:1 retention.ms=\n", `topic "a": config "retention.ms=": want key=value`},
		{"config empty key", "a:1:1 =3\n", `topic "a": config "=3": want key=value`},
		{"config twice", "a:1:1 retention.ms=1 retention.ms=2\n", `topic "a": config retention.ms set twice`},
		{"policy twice", "a:1:1:compact cleanup.policy=delete\n", `topic "a": config cleanup.policy set twice`},
		{"topic twice", "a:1:1\n\n# c\na:2:1\n", `line 4: bad topic spec: topic "a": listed twice (first on line 1)`},
		{"bad name", "a*b:1:1\n", `line 1: bad topic spec: topic "a*b": name has '*'`},
		{"long line", "a:1:1 x=" + strings.Repeat("y", 2<<20) + "\n", "read: bufio.Scanner: token too long"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			specs, err := ParseFile(strings.NewReader(tc.in))
			if err == nil {
				t.Fatalf("want error %q, have %v", tc.want, specs)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("want error containing %q, have %q", tc.want, err)
			}
			if tc.name != "long line" && !errors.Is(err, ErrSpec) {
				t.Errorf("want ErrSpec, have %v", err)
			}
		})
	}
}

// FuzzParse checks that KAFKA_CREATE_TOPICS never panics, that what it
// accepts is valid, and that formatting it back parses to the same specs.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"kafka-on-kubernetes:1:1", "a:3:1:compact,b:1:2:delete", " a:1:1 ,", "a:1:1,a:1:1", "a:0:1", ".:1:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		specs, err := Parse(in)
		if err != nil {
			if !errors.Is(err, ErrSpec) {
				t.Fatalf("error without ErrSpec: %v", err)
			}
			return
		}
		var parts []string
		for _, s := range specs {
			checkSpec(t, s)
			parts = append(parts, s.String())
		}
		again, err := Parse(strings.Join(parts, ","))
		if err != nil {
			t.Fatalf("formatted specs %q do not parse: %v", parts, err)
		}
		if want, have := strings.Join(parts, ","), join(again); want != have {
			t.Fatalf("round trip: want %q, have %q", want, have)
		}
	})
}

// FuzzParseFile does the same for the topics file.
func FuzzParseFile(f *testing.F) {
	good, err := os.ReadFile("testdata/files/good.txt")
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{string(good), "a:1:1 k=v k=w\n", "# only a comment\n", "a:1:1\r\nb:2:1 x=1\r\n", "a:1:1 =\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		specs, err := ParseFile(strings.NewReader(in))
		if err != nil {
			return
		}
		var lines []string
		for _, s := range specs {
			checkSpec(t, s)
			for k, v := range s.Config {
				if k == "" || v == "" || strings.ContainsAny(k+v, " \t\n\r") || strings.Contains(k, "=") {
					t.Fatalf("topic %q: bad config %q=%q accepted", s.Name, k, v)
				}
			}
			lines = append(lines, s.String())
		}
		again, err := ParseFile(strings.NewReader(strings.Join(lines, "\n")))
		if err != nil {
			t.Fatalf("formatted specs %q do not parse: %v", lines, err)
		}
		if want, have := strings.Join(lines, ","), join(again); want != have {
			t.Fatalf("round trip: want %q, have %q", want, have)
		}
	})
}

func checkSpec(t *testing.T, s Spec) {
	t.Helper()
	if err := ValidName(s.Name); err != nil {
		t.Fatalf("invalid name accepted: %v", err)
	}
	if s.Partitions < 1 || s.Replicas < 1 {
		t.Fatalf("topic %q: counts %d/%d accepted", s.Name, s.Partitions, s.Replicas)
	}
}

func join(specs []Spec) string {
	var parts []string
	for _, s := range specs {
		parts = append(parts, s.String())
	}
	return strings.Join(parts, ",")
}

func TestCheckConfigs(t *testing.T) {
	for _, tc := range []struct {
		name, version string
		config        map[string]string
		want          string // "" for no error
	}{
		{"known keys", "3.9.1", map[string]string{"retention.ms": "-1", "cleanup.policy": "compact,delete", "min.cleanable.dirty.ratio": "0.2", "preallocate": "TRUE", "compression.type": "zstd"}, ""},
		{"unknown key", "3.9.1", map[string]string{"retention.msec": "1"}, `topic "t": config "retention.msec" is not a topic config of Kafka 3.9.1`},
		{"newer key on an older broker", "2.8.2", map[string]string{"remote.storage.enable": "true"}, `config "remote.storage.enable" is not a topic config of Kafka 2.8.2`},
		{"0.8 has no compression.type", "0.8.2.1", map[string]string{"compression.type": "lz4"}, `config "compression.type" is not a topic config of Kafka 0.8.2.1`},
		{"unknown key on 4.0 is the broker's to judge", "4.0.0", map[string]string{"new.config": "x"}, ""},
		{"not a number", "3.9.1", map[string]string{"retention.ms": "1d"}, `topic "t": config retention.ms "1d": want a whole number`},
		{"int overflow", "3.9.1", map[string]string{"segment.bytes": "3000000000"}, `config segment.bytes "3000000000": want a whole number`},
		{"not a bool", "3.9.1", map[string]string{"unclean.leader.election.enable": "yes"}, `want true or false`},
		{"ratio", "3.9.1", map[string]string{"min.cleanable.dirty.ratio": "1.5"}, `want a number from 0 to 1`},
		{"policy", "3.9.1", map[string]string{"cleanup.policy": "compact,keep"}, `want one of delete, compact`},
		{"codec", "3.9.1", map[string]string{"compression.type": "brotli"}, `want one of uncompressed, zstd, lz4, snappy, gzip, producer`},
		{"timestamp type", "3.9.1", map[string]string{"message.timestamp.type": "createtime"}, `want one of CreateTime, LogAppendTime`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := sarama.ParseKafkaVersion(tc.version)
			if err != nil {
				t.Fatal(err)
			}
			err = CheckConfigs([]Spec{{Name: "t", Partitions: 1, Replicas: 1, Config: tc.config}}, v)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("want no error, have %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrSpec)):
				t.Errorf("want an ErrSpec error containing %q, have %v", tc.want, err)
			}
		})
	}
}
