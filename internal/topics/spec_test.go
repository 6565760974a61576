package topics

import (
	"bufio"
	"errors"
	"os"
	"strings"
	"testing"
)

// TestParse reads its cases from testdata/specs.txt.
func TestParse(t *testing.T) {
	f, err := os.Open("testdata/specs.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	cases := 0
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		input, want, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("bad case line %q", line)
		}
		cases++
		t.Run(input, func(t *testing.T) {
			specs, err := Parse(input)
			if msg, isErr := strings.CutPrefix(want, "error: "); isErr {
				if err == nil {
					t.Fatalf("want error %q, have specs %v", msg, specs)
				}
				if !errors.Is(err, ErrSpec) || !strings.Contains(err.Error(), msg) {
					t.Errorf("want ErrSpec containing %q, have %q", msg, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var have []string
			for _, s := range specs {
				have = append(have, s.String())
			}
			if want, have := want, strings.Join(have, " "); want != have {
				t.Errorf("want %q, have %q", want, have)
			}
		})
	}
	if cases < 10 {
		t.Fatalf("only %d cases read", cases)
	}
}

func TestValidNameLength(t *testing.T) {
	if err := ValidName(strings.Repeat("a", 249)); err != nil {
		t.Errorf("249 characters: %v", err)
	}
	if err := ValidName(strings.Repeat("a", 250)); err == nil || !strings.Contains(err.Error(), "longer than 249") {
		t.Errorf("250 characters: want an error, have %v", err)
	}
}
