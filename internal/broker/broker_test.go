package broker

import (
	"os"
	"strings"
	"testing"
)

func TestParseRegistration(t *testing.T) {
	for _, tc := range []struct {
		file    string
		version int
		addr    string
	}{
		{"registration-0.8.2.1.json", 1, "127.0.0.1:29092"},
		{"registration-3.9.1.json", 5, "10.233.0.11:9092"},
		{"registration-endpoints-only.json", 4, "kafka-0.kafka-headless:29092"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile("testdata/" + tc.file)
			if err != nil {
				t.Fatal(err)
			}
			r, err := ParseRegistration(data)
			if err != nil {
				t.Fatal(err)
			}
			if want, have := tc.version, r.Version; want != have {
				t.Errorf("version: want %d, have %d", want, have)
			}
			if want, have := tc.addr, r.Addr(); want != have {
				t.Errorf("addr: want %s, have %s", want, have)
			}
		})
	}
	for _, bad := range []string{`{"version":1}`, `not json`, `{"version":4,"endpoints":[]}`} {
		if _, err := ParseRegistration([]byte(bad)); err == nil || !strings.HasPrefix(err.Error(), "broker registration") {
			t.Errorf("%s: want a broker registration error, have %v", bad, err)
		}
	}
}
