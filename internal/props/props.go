// Package props reads Java properties files and changes them in memory,
// keeping their comments and order, for a caller to write the result
// elsewhere atomically (WriteAtomic).
package props

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// ErrUnsafe reports a key or value that Set refuses to write, because it could
// inject a second property or would not read back as written.
var ErrUnsafe = errors.New("unsafe property")

// unsafeError names the key and the reason, and matches ErrUnsafe with errors.Is.
type unsafeError struct{ key, reason string }

func (e *unsafeError) Error() string { return fmt.Sprintf("property %q: %s", e.key, e.reason) }
func (e *unsafeError) Unwrap() error { return ErrUnsafe }

// File is a parsed properties file: every physical line kept, in order.
// The zero File is an empty file.
type File struct {
	lines []line
}

// line is one logical line: a comment or blank line, or an entry that may
// span several physical lines joined by trailing backslashes.
type line struct {
	phys  []string // physical lines, without their terminators
	entry bool     // an active key/value pair, not a comment or blank line
	key   string   // unescaped, when entry
	value string   // unescaped, when entry
}

// whitespace is what java.util.Properties skips and splits on.
const whitespace = " \t\f"

// Parse splits data into logical lines the way java.util.Properties does.
// Lines may end in "\n", "\r\n" or "\r". Bytes outside ASCII are taken as
// UTF-8. The only error is a malformed \uXXXX escape, which Java rejects too.
func Parse(data []byte) (*File, error) {
	phys := splitLines(string(data))
	f := &File{}
	for i := 0; i < len(phys); {
		start := i
		if blank(phys[i]) || isComment(phys[i]) {
			// Comments never continue onto the next line, even if they end in a backslash.
			f.lines = append(f.lines, line{phys: phys[i : i+1 : i+1]})
			i++
			continue
		}
		var logical strings.Builder
		for {
			p := strings.TrimLeft(phys[i], whitespace)
			i++
			if !continues(p) {
				logical.WriteString(p)
				break
			}
			logical.WriteString(p[:len(p)-1])
			if i < len(phys) && logical.Len() == 0 && isComment(phys[i]) {
				// Since Java 9 a comment may follow a continued line that
				// is still empty; it ends that line.
				break
			}
			if i == len(phys) {
				// Java drops a backslash left dangling at the end of the input.
				// Drop it from the text too, or a line appended by Set would
				// become part of this entry. (When nothing else is on the line,
				// Java also loads an empty key; Get has no such key.)
				phys[i-1] = strings.TrimSuffix(phys[i-1], `\`)
				break
			}
		}
		l := line{phys: phys[start:i:i]}
		if s := logical.String(); s != "" {
			rawKey, rawValue, _ := split(s)
			var err error
			if l.key, err = unescape(rawKey); err == nil {
				l.value, err = unescape(rawValue)
			}
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", start+1, err)
			}
			l.entry = true
		}
		f.lines = append(f.lines, l)
	}
	return f, nil
}

func blank(s string) bool { return strings.TrimLeft(s, whitespace) == "" }

// isComment reports whether s starts, after blanks, with '#' or '!'.
func isComment(s string) bool {
	s = strings.TrimLeft(s, whitespace)
	return s != "" && (s[0] == '#' || s[0] == '!')
}

// splitLines splits s at "\n", "\r\n" and "\r", as Java's line reader does.
func splitLines(s string) []string {
	var lines []string
	for s != "" {
		i := strings.IndexAny(s, "\r\n")
		if i < 0 {
			lines = append(lines, s)
			break
		}
		lines = append(lines, s[:i])
		if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			i++
		}
		s = s[i+1:]
	}
	return lines
}

// continues reports whether s ends in an odd number of backslashes, which
// joins the next physical line to it.
func continues(s string) bool {
	n := len(s) - len(strings.TrimRight(s, `\`))
	return n%2 == 1
}

// split cuts a logical line into its raw (still escaped) key and value.
// keyEnd is the index just past the key, where the separator starts.
func split(s string) (key, value string, keyEnd int) {
	keyEnd, valueStart := len(s), len(s)
	hasSep, escaped := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !escaped && (c == '=' || c == ':') {
			keyEnd, valueStart, hasSep = i, i+1, true
			break
		}
		if !escaped && strings.IndexByte(whitespace, c) >= 0 {
			keyEnd, valueStart = i, i+1
			break
		}
		escaped = c == '\\' && !escaped
	}
	// Whitespace around the separator is dropped, and a whitespace separator
	// may be followed by one '=' or ':'.
	for ; valueStart < len(s); valueStart++ {
		c := s[valueStart]
		if strings.IndexByte(whitespace, c) >= 0 {
			continue
		}
		if !hasSep && (c == '=' || c == ':') {
			hasSep = true
			continue
		}
		break
	}
	return s[:keyEnd], s[valueStart:], keyEnd
}

// unescape resolves backslash escapes as java.util.Properties does: \t, \n,
// \r, \f and \uXXXX are special, and a backslash before any other character
// stands for that character.
func unescape(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i == len(s) {
			break // a lone trailing backslash escapes nothing
		}
		switch c = s[i]; c {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			r, ok := hex4(s[i+1:])
			if !ok {
				return "", errors.New(`malformed \uXXXX escape`)
			}
			i += 4
			// Java strings are UTF-16, so characters beyond U+FFFF come as a
			// surrogate pair of escapes.
			if utf16.IsSurrogate(r) && strings.HasPrefix(s[i+1:], `\u`) {
				if r2, ok := hex4(s[i+3:]); ok {
					if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
						r = d
						i += 6
					}
				}
			}
			b.WriteRune(r) // a lone surrogate becomes U+FFFD
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// hex4 decodes the four hex digits at the start of s.
func hex4(s string) (rune, bool) {
	if len(s) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[:4]) {
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	return r, true
}

// Get returns the value of key from the active (uncommented) entries. As in
// java.util.Properties, the last entry for a key wins.
func (f *File) Get(key string) (value string, ok bool) {
	for _, l := range f.lines {
		if l.entry && l.key == key {
			value, ok = l.value, true
		}
	}
	return value, ok
}

// Keys returns the active keys in file order, each once.
func (f *File) Keys() []string {
	var keys []string
	seen := make(map[string]bool)
	for _, l := range f.lines {
		if l.entry && !seen[l.key] {
			seen[l.key] = true
			keys = append(keys, l.key)
		}
	}
	return keys
}

// Set gives key the value, leaving exactly one active entry for it. It
// replaces the first active entry in place and removes later ones; failing
// that, it uncomments the first commented default for the key (a comment
// such as "#listeners=PLAINTEXT://:9092"); failing that, it appends the
// entry. The line it writes is key=value, escaped only where Java would
// misread it; characters outside ASCII in the value become \uXXXX escapes.
//
// Set refuses, with an error wrapping ErrUnsafe, an empty key, a key outside
// printable ASCII, and a value holding a newline, carriage return, NUL or
// invalid UTF-8; the file is then left as it was.
func (f *File) Set(key, value string) error {
	if err := check(key, value); err != nil {
		return err
	}
	l := line{
		phys:  []string{escapeKey(key) + "=" + escapeValue(value)},
		entry: true,
		key:   key,
		value: value,
	}
	if i := f.firstEntry(key); i >= 0 {
		f.lines[i] = l
		kept := f.lines[:i+1]
		for _, o := range f.lines[i+1:] {
			if !(o.entry && o.key == key) {
				kept = append(kept, o)
			}
		}
		clear(f.lines[len(kept):]) // let the dropped lines be collected
		f.lines = kept
		return nil
	}
	if i := f.commentedDefault(key); i >= 0 {
		f.lines[i] = l
		return nil
	}
	f.lines = append(f.lines, l)
	return nil
}

func (f *File) firstEntry(key string) int {
	for i, l := range f.lines {
		if l.entry && l.key == key {
			return i
		}
	}
	return -1
}

// commentedDefault returns the index of the first comment whose text, after
// the '#' or '!' and optional blanks, is an entry for key written as
// key=value or key:value. Requiring the separator right after the key keeps
// prose out: "# listeners = PLAINTEXT://your.host.name:9092" in an example
// block, or "# broker.id must be unique", is not a default.
func (f *File) commentedDefault(key string) int {
	for i, l := range f.lines {
		if l.entry || len(l.phys) != 1 || !isComment(l.phys[0]) {
			continue
		}
		if i > 0 && continuedEmpty(f.lines[i-1]) {
			// Uncommented, this line would join the one before it.
			continue
		}
		body := strings.TrimLeft(l.phys[0], whitespace)
		body = strings.TrimLeft(body[1:], " \t")
		rawKey, _, end := split(body)
		if end == len(body) || (body[end] != '=' && body[end] != ':') {
			continue
		}
		if k, err := unescape(rawKey); err == nil && k == key {
			return i
		}
	}
	return -1
}

// continuedEmpty reports whether l is a continued line with nothing on it,
// which Java ends at a following comment but would join to an entry.
func continuedEmpty(l line) bool {
	last := l.phys[len(l.phys)-1]
	return !l.entry && !isComment(last) && continues(last)
}

// check refuses keys and values that could inject a second property, or that
// the written file could not carry unchanged.
func check(key, value string) error {
	reason := ""
	switch {
	case key == "":
		reason = "empty key"
	case strings.Contains(key, "\n"):
		reason = "key holds a newline"
	case strings.Contains(key, "\r"):
		reason = "key holds a carriage return"
	case strings.Contains(key, "\x00"):
		reason = "key holds a NUL"
	case strings.IndexFunc(key, func(r rune) bool { return r < ' ' || r > '~' }) >= 0:
		reason = "key holds a character outside printable ASCII"
	case strings.Contains(value, "\n"):
		reason = "value holds a newline"
	case strings.Contains(value, "\r"):
		reason = "value holds a carriage return"
	case strings.Contains(value, "\x00"):
		reason = "value holds a NUL"
	case !utf8.ValidString(value):
		reason = "value is not valid UTF-8"
	default:
		return nil
	}
	return &unsafeError{key: key, reason: reason}
}

// escapeKey writes a key, already checked to be printable ASCII, so that
// Java reads it back whole: separators and backslashes are escaped, and so is
// a leading '#' or '!' that would make the line a comment.
func escapeKey(key string) string {
	var b strings.Builder
	for i, c := range []byte(key) {
		switch {
		case c == '\\' || c == '=' || c == ':' || c == ' ':
			b.WriteByte('\\')
		case i == 0 && (c == '#' || c == '!'):
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}

// escapeValue writes a value so that Java reads it back unchanged. Backslashes
// are doubled and leading blanks escaped, since Java would drop them. Other
// control characters and everything outside ASCII become \uXXXX escapes:
// Kafka and ZooKeeper load properties as ISO 8859-1, so raw UTF-8 would be
// misread. Plain values such as PLAINTEXT://0.0.0.0:9092 come out unchanged.
func escapeValue(value string) string {
	var b strings.Builder
	for i, r := range value {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\f':
			b.WriteString(`\f`)
		case r == ' ' && i == 0:
			b.WriteString(`\ `)
		case r < ' ' || r > '~':
			for _, u := range utf16.Encode([]rune{r}) {
				fmt.Fprintf(&b, `\u%04X`, u)
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Bytes returns the file's text, every line ending in "\n".
func (f *File) Bytes() []byte {
	var b bytes.Buffer
	for _, l := range f.lines {
		for _, p := range l.phys {
			b.WriteString(p)
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

// Unset comments out every active entry for key, so that the file no
// longer sets it and still shows what it held. It reports whether there
// was one.
func (f *File) Unset(key string) bool {
	found := false
	for i, l := range f.lines {
		if l.entry && l.key == key {
			f.lines[i] = line{phys: []string{"#" + escapeKey(key) + "=" + escapeValue(l.value)}}
			found = true
		}
	}
	return found
}
