package props

import (
	"bytes"
	"errors"
	"slices"
	"testing"
)

// FuzzSetGet checks, for any file that parses and any key and value, that Set
// never panics, that a refused Set leaves the file alone, and that an accepted
// one reads back, leaves the other keys alone, and survives writing and
// parsing again.
func FuzzSetGet(f *testing.F) {
	f.Add([]byte("broker.id=0\n"), "broker.id", "3")
	f.Add([]byte("#listeners=PLAINTEXT://:9092\n"), "listeners", "PLAINTEXT://0.0.0.0:9092")
	f.Add([]byte("# admin.serverPort=8080"), "admin.serverPort", "8081")
	f.Add([]byte("a=b\\\n  c\\\n\nd e\n"), "a", " lead\\ing\\")
	f.Add([]byte("x=1\r\ny=2\rz"), "key with space", "é😀\t")
	f.Add([]byte("a=x\\"), "c", "d")
	f.Add([]byte("x\\u0041=1\n!y:2\n"), "#xA", `\u0041`)
	f.Add([]byte("a=1\na=2\n"), "a", "\n")
	f.Add([]byte("\\\n#b=1\n"), "b", "2")
	f.Fuzz(func(t *testing.T, data []byte, key, value string) {
		file, err := Parse(data)
		if err != nil {
			return
		}
		before := file.Bytes()
		values := make(map[string]string)
		for _, k := range file.Keys() {
			values[k], _ = file.Get(k)
		}

		if err := file.Set(key, value); err != nil {
			if !errors.Is(err, ErrUnsafe) {
				t.Fatalf("set %q=%q: want ErrUnsafe, have %v", key, value, err)
			}
			if want, have := before, file.Bytes(); !bytes.Equal(want, have) {
				t.Fatalf("refused set changed the file: want %q, have %q", want, have)
			}
			return
		}
		values[key] = value
		check := func(f *File, what string) {
			t.Helper()
			for k, v := range values {
				if have, ok := f.Get(k); !ok || v != have {
					t.Fatalf("%s: %q: want %q, have %q (set %q=%q in %q)", what, k, v, have, key, value, data)
				}
			}
		}
		check(file, "after set")

		out := file.Bytes()
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("parse %q: %v", out, err)
		}
		check(again, "parsed again")
		if want, have := file.Keys(), again.Keys(); !slices.Equal(want, have) {
			t.Fatalf("keys: want %q, have %q", want, have)
		}
		if want, have := out, again.Bytes(); !bytes.Equal(want, have) {
			t.Fatalf("bytes after parsing again: want %q, have %q", want, have)
		}
		if err := again.Set(key, value); err != nil {
			t.Fatalf("set again: %v", err)
		}
		if want, have := out, again.Bytes(); !bytes.Equal(want, have) {
			t.Fatalf("not idempotent: want %q, have %q", want, have)
		}
	})
}
