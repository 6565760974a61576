package storage

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseScram(t *testing.T) {
	for _, tc := range []struct {
		file string
		want []string
		err  string
	}{
		{file: "good", want: []string{
			"SCRAM-SHA-256=[name=alice,password=alice-secret]",
			"SCRAM-SHA-512=[name=alice,password=alice-secret]",
			"SCRAM-SHA-256=[name=bob,password=p=ss w0rd]",
		}},
		{file: "mechanism", err: `line 2: mechanism "SCRAM-SHA-1": want SCRAM-SHA-256 or SCRAM-SHA-512`},
		{file: "no-password", err: "line 1: want MECHANISM NAME PASSWORD"},
		{file: "comma", err: "line 1: the password of alice: want no comma"},
		{file: "name", err: `line 1: name "al=ice": want no comma and no =`},
		{file: "again", err: "line 2: SCRAM-SHA-256 alice again"},
		{file: "empty", err: "no credentials"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", "scram", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			have, err := ParseScram(f)
			if tc.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.err) {
					t.Fatalf("want error %q, have %v (%q)", tc.err, err, have)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(tc.want, have) {
				t.Errorf("want %q, have %q", tc.want, have)
			}
		})
	}
}
