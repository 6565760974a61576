// Package images_test checks the image definitions with Docker's own
// Dockerfile parser: no Docker engine is needed, and a Dockerfile that
// parses here is read the same way by docker build.
package images_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// contextDir is the build context of every image: the repository root.
const contextDir = ".."

// rules are what a Dockerfile must satisfy beyond the common checks.
type rules struct {
	nonRoot bool     // the final stage runs as a non-root USER
	labels  []string // labels the final stage must set
}

// modern are the rules for every image under images/.
var modern = rules{
	nonRoot: true,
	labels: []string{
		"org.opencontainers.image.title", "org.opencontainers.image.description",
		"org.opencontainers.image.version", "org.opencontainers.image.source",
		"org.opencontainers.image.licenses",
	},
}

// seed are the rules for Dockerfile.kafka: it runs as uid 1001 on the
// seed's image, whose files stay root's; it sets no labels of its own.
var seed = rules{nonRoot: true}

// dockerfile is a parsed Dockerfile.
type dockerfile struct {
	path     string
	stages   []instructions.Stage
	metaArgs map[string]string // ARGs before the first FROM, with defaults
}

func parse(p string) (*dockerfile, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	res, err := parser.Parse(f)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", p, err)
	}
	stages, metaArgs, err := instructions.Parse(res.AST, nil)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", p, err)
	}
	if len(stages) == 0 {
		return nil, fmt.Errorf("parse %s: no FROM", p)
	}
	df := &dockerfile{path: p, stages: stages, metaArgs: map[string]string{}}
	for _, a := range metaArgs {
		for _, kv := range a.Args {
			if kv.Value != nil {
				df.metaArgs[kv.Key] = *kv.Value
			}
		}
	}
	return df, nil
}

func (df *dockerfile) final() *instructions.Stage { return &df.stages[len(df.stages)-1] }

func (df *dockerfile) stage(name string) *instructions.Stage {
	i, ok := instructions.HasStage(df.stages, name)
	if !ok {
		return nil
	}
	return &df.stages[i]
}

// expand substitutes the meta ARGs' defaults, as FROM lines see them; a
// default may name an earlier ARG (GO_IMAGE=golang:${GO_VERSION}).
func (df *dockerfile) expand(s string) string {
	for i := 0; i < 4 && strings.Contains(s, "$"); i++ {
		s = os.Expand(s, func(k string) string { return df.metaArgs[k] })
	}
	return s
}

// reachable returns the stages a build with the default arguments runs:
// the final stage and, transitively, the stages it is FROM or copies from.
// BuildKit skips the others (dist-context when KAFKA_DIST=archive).
func (df *dockerfile) reachable() []*instructions.Stage {
	seen := map[int]bool{}
	var out []*instructions.Stage
	var visit func(i int)
	visit = func(i int) {
		if seen[i] {
			return
		}
		seen[i] = true
		s := &df.stages[i]
		out = append(out, s)
		if j, ok := instructions.HasStage(df.stages[:i], df.expand(s.BaseName)); ok {
			visit(j)
		}
		for _, cp := range commands[*instructions.CopyCommand](s) {
			if j, ok := instructions.HasStage(df.stages[:i], cp.From); ok {
				visit(j)
			}
		}
	}
	visit(len(df.stages) - 1)
	return out
}

// isStage reports whether name is a stage of df before the stage at index i.
func (df *dockerfile) isStage(i int, name string) bool {
	_, ok := instructions.HasStage(df.stages[:i], name)
	return ok
}

// commands returns the stage's commands of type T, in order.
func commands[T instructions.Command](s *instructions.Stage) []T {
	var out []T
	for _, c := range s.Commands {
		if t, ok := c.(T); ok {
			out = append(out, t)
		}
	}
	return out
}

// last returns the stage's last command of type T: the one that counts.
func last[T instructions.Command](s *instructions.Stage) (T, bool) {
	cs := commands[T](s)
	if len(cs) == 0 {
		var zero T
		return zero, false
	}
	return cs[len(cs)-1], true
}

// checkEntrypoint: the final stage's ENTRYPOINT is the supervisor in exec
// form (so that it is PID 1, not a shell), copied from a stage that builds
// it static from ./supervisor.
func checkEntrypoint(df *dockerfile) error {
	fin := df.final()
	ep, ok := last[*instructions.EntrypointCommand](fin)
	if !ok {
		return errors.New("final stage has no ENTRYPOINT")
	}
	if ep.PrependShell {
		return fmt.Errorf("ENTRYPOINT %q is in shell form: the shell would be PID 1 and keep SIGTERM from the supervisor", ep.CmdLine)
	}
	if len(ep.CmdLine) != 1 || path.Base(ep.CmdLine[0]) != "supervisor" {
		return fmt.Errorf("ENTRYPOINT %q is not the supervisor alone", ep.CmdLine)
	}
	bin := ep.CmdLine[0]
	for _, cp := range commands[*instructions.CopyCommand](fin) {
		if cp.From == "" || len(cp.SourcePaths) != 1 {
			continue
		}
		src := cp.SourcePaths[0]
		dest := cp.DestPath
		if strings.HasSuffix(dest, "/") {
			dest += path.Base(src)
		}
		if dest != bin {
			continue
		}
		build := df.stage(cp.From)
		if build == nil {
			return fmt.Errorf("%s is copied from %q, which is no stage of this file", bin, cp.From)
		}
		for _, run := range commands[*instructions.RunCommand](build) {
			line := strings.Join(run.CmdLine, " ")
			if strings.Contains(line, "go build") && strings.Contains(line, "-o "+src) {
				for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "./supervisor"} {
					if !strings.Contains(line, want) {
						return fmt.Errorf("stage %s builds %s without %s: %q", build.Name, src, want, line)
					}
				}
				return nil
			}
		}
		return fmt.Errorf("stage %s has no `go build … -o %s`", build.Name, src)
	}
	return fmt.Errorf("no COPY --from=<stage> puts the supervisor at %s", bin)
}

// checkCmd: the final CMD, if any, is empty, since the supervisor takes no
// arguments to run (a base image's CMD would be passed to it).
func checkCmd(df *dockerfile) error {
	if cmd, ok := last[*instructions.CmdCommand](df.final()); ok && (len(cmd.CmdLine) > 0 || cmd.PrependShell) {
		return fmt.Errorf("CMD %q would be arguments to the supervisor", cmd.CmdLine)
	}
	return nil
}

// checkStopSignal: docker stop sends what the supervisor stops on.
func checkStopSignal(df *dockerfile) error {
	s, ok := last[*instructions.StopSignalCommand](df.final())
	if !ok {
		return errors.New("final stage has no STOPSIGNAL")
	}
	if s.Signal != "SIGTERM" && s.Signal != "TERM" && s.Signal != "15" {
		return fmt.Errorf("STOPSIGNAL %s is not SIGTERM", s.Signal)
	}
	return nil
}

// checkHealthcheck: the HEALTHCHECK asks /readyz through the supervisor's
// own probe (the images have no curl).
func checkHealthcheck(df *dockerfile) error {
	hc, ok := last[*instructions.HealthCheckCommand](df.final())
	if !ok || hc.Health == nil || len(hc.Health.Test) == 0 || hc.Health.Test[0] == "NONE" {
		return errors.New("final stage has no HEALTHCHECK")
	}
	test := hc.Health.Test
	if test[0] != "CMD" || len(test) != 4 || path.Base(test[1]) != "supervisor" || test[2] != "probe" {
		return fmt.Errorf("HEALTHCHECK %q is not [\"CMD\", \"…/supervisor\", \"probe\", \"/readyz\"]", test)
	}
	if test[3] != "/readyz" {
		return fmt.Errorf("HEALTHCHECK asks %s, not /readyz", test[3])
	}
	if ep, ok := last[*instructions.EntrypointCommand](df.final()); ok && len(ep.CmdLine) > 0 && ep.CmdLine[0] != test[1] {
		return fmt.Errorf("HEALTHCHECK runs %s, but the supervisor is %s", test[1], ep.CmdLine[0])
	}
	return nil
}

// checkUser: the final stage's USER is not root.
func checkUser(df *dockerfile) error {
	u, ok := last[*instructions.UserCommand](df.final())
	if !ok {
		return errors.New("final stage has no USER: it runs as root")
	}
	user, _, _ := strings.Cut(u.User, ":")
	if user == "" || user == "root" || user == "0" {
		return fmt.Errorf("USER %s is root", u.User)
	}
	return nil
}

// checkLabels: the final stage sets each label.
func checkLabels(df *dockerfile, want []string) error {
	have := map[string]bool{}
	for _, l := range commands[*instructions.LabelCommand](df.final()) {
		for _, kv := range l.Labels {
			have[kv.Key] = kv.Value != ""
		}
	}
	var missing []string
	for _, k := range want {
		if !have[k] {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("final stage lacks the labels %s", strings.Join(missing, ", "))
	}
	return nil
}

// checkGoVersion: the builder's golang image has go.mod's Go release.
func checkGoVersion(df *dockerfile, goVersion string) error {
	release := strings.Join(strings.SplitN(goVersion, ".", 3)[:2], ".")
	found := false
	for _, s := range df.stages {
		image, tag, _ := strings.Cut(df.expand(s.BaseName), ":")
		if image != "golang" {
			continue
		}
		found = true
		if tag != release && !strings.HasPrefix(tag, release+".") && !strings.HasPrefix(tag, release+"-") {
			return fmt.Errorf("stage %s builds with golang:%s, but go.mod wants Go %s", s.Name, tag, goVersion)
		}
	}
	if !found {
		return errors.New("no stage builds FROM golang")
	}
	return nil
}

// metaArgRef matches a FROM that is one build argument: ${NAME} or $NAME.
var metaArgRef = regexp.MustCompile(`^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$`)

// checkBaseArgs: every base image that is not a stage (nor scratch) is a
// build argument whose default names the real image with a tag or digest,
// so that a build without a registry can pass local stand-ins while a
// plain docker build is unchanged and repeatable.
func checkBaseArgs(df *dockerfile) error {
	var errs []error
	for i, s := range df.stages {
		if s.BaseName == "scratch" || df.isStage(i, df.expand(s.BaseName)) {
			continue
		}
		m := metaArgRef.FindStringSubmatch(s.BaseName)
		if m == nil {
			errs = append(errs, fmt.Errorf("FROM %s names its image: make it a build argument (ARG X_IMAGE=%s, FROM ${X_IMAGE})", s.BaseName, s.BaseName))
			continue
		}
		def, ok := df.metaArgs[m[1]]
		if !ok {
			errs = append(errs, fmt.Errorf("FROM %s: ARG %s has no default; the default is the real image", s.BaseName, m[1]))
			continue
		}
		image := df.expand(def)
		if !strings.Contains(image, "@") && !strings.Contains(path.Base(image), ":") {
			errs = append(errs, fmt.Errorf("FROM %s: the default %s has no tag or digest", s.BaseName, image))
		}
	}
	return errors.Join(errs...)
}

// checkModDownload: the stage that builds the supervisor downloads the
// modules in a layer of their own, after go.mod and go.sum and before the
// sources, so that a source change does not fetch them again.
func checkModDownload(df *dockerfile) error {
	for _, s := range df.stages {
		builds, downloads := false, false
		for _, run := range commands[*instructions.RunCommand](&s) {
			line := strings.Join(run.CmdLine, " ")
			builds = builds || strings.Contains(line, "go build")
			downloads = downloads || strings.Contains(line, "go mod download")
		}
		if !builds {
			continue
		}
		if !downloads {
			return fmt.Errorf("stage %s builds with no `RUN go mod download` layer after COPY go.mod go.sum", s.Name)
		}
		sawMod := false
	scan:
		for _, c := range s.Commands {
			switch c := c.(type) {
			case *instructions.CopyCommand:
				for _, src := range c.SourcePaths {
					switch {
					case c.From != "":
					case src == "go.mod":
						sawMod = true
					case src != "go.sum":
						return fmt.Errorf("stage %s copies %s before `RUN go mod download`: every source change fetches the modules again", s.Name, src)
					}
				}
			case *instructions.RunCommand:
				if strings.Contains(strings.Join(c.CmdLine, " "), "go mod download") {
					if !sawMod {
						return fmt.Errorf("stage %s runs `go mod download` before COPY go.mod go.sum", s.Name)
					}
					break scan
				}
			}
		}
	}
	return nil
}

// env returns the final stage's environment as ENV sets it.
func env(df *dockerfile) map[string]string {
	out := map[string]string{}
	for _, e := range commands[*instructions.EnvCommand](df.final()) {
		for _, kv := range e.Env {
			out[kv.Key] = kv.Value
		}
	}
	return out
}

// checkDataDir: the final stage names its data directory
// (SUPERVISOR_DATA_DIR), a RUN makes it its USER's, and LOG_DIR is set
// inside it: `docker exec … kafka-topics.sh` runs with the image's
// environment, not the supervisor's, and the tools' launcher creates
// LOG_DIR, by default under the root-owned distribution.
func checkDataDir(df *dockerfile) error {
	e := env(df)
	data, logs := e["SUPERVISOR_DATA_DIR"], e["LOG_DIR"]
	if data == "" {
		return errors.New("final stage sets no SUPERVISOR_DATA_DIR")
	}
	var errs []error
	if logs == "" {
		errs = append(errs, errors.New("final stage sets no LOG_DIR: `docker exec` of a Kafka tool would create logs/ in the distribution"))
	} else if !strings.HasPrefix(logs, strings.TrimSuffix(data, "/")+"/") {
		errs = append(errs, fmt.Errorf("LOG_DIR %s is not under SUPERVISOR_DATA_DIR %s", logs, data))
	}
	if u, ok := last[*instructions.UserCommand](df.final()); ok {
		user, _, _ := strings.Cut(u.User, ":")
		if user == "root" || user == "0" {
			return errors.Join(errs...) // checkUser says so
		}
		chowned := false
		for _, run := range commands[*instructions.RunCommand](df.final()) {
			line := strings.Join(run.CmdLine, " ")
			if regexp.MustCompile(`chown (-R )?(` + regexp.QuoteMeta(user) + `|kafka)(:\S+)? [^&;]*` + regexp.QuoteMeta(data) + `\b`).MatchString(line) {
				chowned = true
			}
		}
		if !chowned {
			errs = append(errs, fmt.Errorf("no RUN chowns SUPERVISOR_DATA_DIR %s to USER %s", data, u.User))
		}
	}
	return errors.Join(errs...)
}

// signersFile holds the pinned release signing keys.
const signersFile = "images/kafka/release-signers"

// checkSignature: a stage that fetches a signature checks the signer
// against the pinned fingerprints, not only against KEYS, which comes from
// the server that serves the archive: either in its own RUN, or with
// fetch-kafka.sh (TestFetchKafka) given the pinned file.
func checkSignature(df *dockerfile) error {
	for _, s := range df.stages {
		copied := false
		for _, cp := range commands[*instructions.CopyCommand](&s) {
			copied = copied || (cp.From == "" && slices.Contains(cp.SourcePaths, signersFile))
		}
		for _, run := range commands[*instructions.RunCommand](&s) {
			line := strings.Join(run.CmdLine, " ")
			switch {
			case strings.Contains(line, "fetch-kafka.sh"):
				if !copied || !strings.Contains(line, path.Base(signersFile)) {
					return fmt.Errorf("stage %s runs fetch-kafka.sh without %s", s.Name, signersFile)
				}
			case strings.Contains(line, ".asc"):
				if !strings.Contains(line, "--verify") || !strings.Contains(line, "VALIDSIG") || !strings.Contains(line, path.Base(signersFile)) {
					return fmt.Errorf("stage %s verifies a signature without checking the signer against %s", s.Name, signersFile)
				}
			}
		}
	}
	return nil
}

// checkSources: every COPY or ADD source from the build context, in the
// stages a default build runs, exists there and is not left out by
// .dockerignore. Sources from a stage or an image (--from) and URLs are not
// in the context; nor is what a build argument chooses to copy instead
// (checked by TestOfflineDist).
func checkSources(df *dockerfile, context string, ignore *patternmatcher.PatternMatcher) error {
	var errs []error
	check := func(src string) {
		matches, err := filepath.Glob(filepath.Join(context, filepath.FromSlash(src)))
		if err != nil || len(matches) == 0 {
			errs = append(errs, fmt.Errorf("COPY source %s is not in the build context", src))
			return
		}
		for _, m := range matches {
			if !included(context, m, ignore) {
				errs = append(errs, fmt.Errorf("COPY source %s is excluded by .dockerignore", src))
			}
		}
	}
	for _, s := range df.reachable() {
		for _, c := range s.Commands {
			switch c := c.(type) {
			case *instructions.CopyCommand:
				if c.From == "" {
					for _, src := range c.SourcePaths {
						check(src)
					}
				}
			case *instructions.AddCommand:
				for _, src := range c.SourcePaths {
					if !strings.Contains(src, "://") {
						check(src)
					}
				}
			}
		}
	}
	return errors.Join(errs...)
}

// included reports whether p, or a file under it, is sent with the context.
func included(context, p string, ignore *patternmatcher.PatternMatcher) bool {
	found := false
	_ = filepath.WalkDir(p, func(f string, d fs.DirEntry, err error) error {
		if err != nil || found || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(context, f)
		if err != nil {
			return err
		}
		excluded, err := ignore.MatchesOrParentMatches(filepath.ToSlash(rel))
		found = err == nil && !excluded
		return nil
	})
	return found
}

// check runs every check that applies under r.
func check(df *dockerfile, r rules, goVersion string, ignore *patternmatcher.PatternMatcher) []error {
	errs := []error{
		checkEntrypoint(df),
		checkCmd(df),
		checkStopSignal(df),
		checkHealthcheck(df),
		checkGoVersion(df, goVersion),
		checkSources(df, contextDir, ignore),
		checkLabels(df, r.labels),
		checkBaseArgs(df),
		checkModDownload(df),
		checkSignature(df),
	}
	if r.nonRoot {
		errs = append(errs, checkUser(df), checkDataDir(df))
	}
	var out []error
	for _, err := range errs {
		if err != nil {
			out = append(out, err)
		}
	}
	return out
}

func loadIgnore(t *testing.T) *patternmatcher.PatternMatcher {
	t.Helper()
	f, err := os.Open(filepath.Join(contextDir, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		t.Fatalf("read .dockerignore: %v", err)
	}
	m, err := patternmatcher.New(patterns)
	if err != nil {
		t.Fatalf(".dockerignore: %v", err)
	}
	return m
}

func goVersion(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(contextDir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go ([0-9]+\.[0-9]+(\.[0-9]+)?)$`).FindSubmatch(data)
	if m == nil {
		t.Fatal("go.mod has no go directive")
	}
	return string(m[1])
}

// imageDockerfiles finds every images/**/Dockerfile, leaving testdata out.
func imageDockerfiles(t *testing.T) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "testdata" {
			return filepath.SkipDir
		}
		if !d.IsDir() && d.Name() == "Dockerfile" {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("no Dockerfile under images/")
	}
	return out
}

func TestDockerfiles(t *testing.T) {
	ignore, gov := loadIgnore(t), goVersion(t)
	files := map[string]rules{filepath.Join(contextDir, "Dockerfile.kafka"): seed}
	for _, p := range imageDockerfiles(t) {
		files[p] = modern
	}
	for p, r := range files {
		t.Run(p, func(t *testing.T) {
			df, err := parse(p)
			if err != nil {
				t.Fatal(err)
			}
			for _, err := range check(df, r, gov, ignore) {
				t.Error(err)
			}
		})
	}
}

// TestSeedBase: Dockerfile.kafka builds on the seed's image, named with a
// tag or digest rather than whatever an untagged pull gives that day.
func TestSeedBase(t *testing.T) {
	df, err := parse(filepath.Join(contextDir, "Dockerfile.kafka"))
	if err != nil {
		t.Fatal(err)
	}
	base := df.expand(df.final().BaseName)
	repo, ref, _ := strings.Cut(base, "@")
	if ref == "" {
		repo, ref, _ = strings.Cut(base, ":")
	}
	if want, have := "dockerkafka/kafka", repo; want != have {
		t.Errorf("want FROM %s, have %s", want, have)
	}
	if ref == "" {
		t.Errorf("FROM %s has no tag or digest", base)
	}
}

// TestOfflineDist: images/kafka/Dockerfile takes the distribution from the
// archive by default and from the build context when KAFKA_DIST=context,
// at the path scripts/images.sh stages kafka-dist.sh's output to, which
// .dockerignore sends.
func TestOfflineDist(t *testing.T) {
	df, err := parse(filepath.Join("kafka", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	if want, have := "archive", df.metaArgs["KAFKA_DIST"]; want != have {
		t.Errorf("want ARG KAFKA_DIST=%s, have %q", want, have)
	}
	for _, name := range []string{"dist-archive", "dist-context"} {
		if df.stage(name) == nil {
			t.Errorf("no stage %s", name)
		}
	}
	dist := df.stage("dist")
	if dist == nil || dist.BaseName != "dist-${KAFKA_DIST}" {
		t.Fatalf("want a stage dist FROM dist-${KAFKA_DIST}, have %v", dist)
	}
	ctx := df.stage("dist-context")
	if ctx == nil {
		return
	}
	cps := commands[*instructions.CopyCommand](ctx)
	if len(cps) != 1 || len(cps[0].SourcePaths) != 1 {
		t.Fatalf("want one COPY in dist-context, have %d", len(cps))
	}
	const want = "dist/kafka_${SCALA_VERSION}-${KAFKA_VERSION}/"
	if have := cps[0].SourcePaths[0]; have != want {
		t.Errorf("dist-context copies %s, want %s (kafka-dist.sh's directory name under dist/)", have, want)
	}
	excluded, err := loadIgnore(t).MatchesOrParentMatches("dist/kafka_2.13-3.9.1/libs/kafka-clients-3.9.1.jar")
	if err != nil || excluded {
		t.Errorf(".dockerignore leaves out dist/ (err %v)", err)
	}
}

// TestReleaseSigners: the pinned fingerprints are full (40 hex digits), so
// that no short key ID, which anyone can collide, passes.
func TestReleaseSigners(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(contextDir, signersFile))
	if err != nil {
		t.Fatal(err)
	}
	fpr := regexp.MustCompile(`^[0-9A-F]{40}$`)
	n := 0
	for i, line := range strings.Split(string(data), "\n") {
		line, _, _ = strings.Cut(line, "#")
		line = strings.Join(strings.Fields(line), "")
		if line == "" {
			continue
		}
		n++
		if !fpr.MatchString(strings.ToUpper(line)) {
			t.Errorf("%s:%d: %q is not a 40-digit fingerprint", signersFile, i+1, line)
		}
	}
	if n == 0 {
		t.Errorf("%s pins no key", signersFile)
	}
}

// TestKafkaVersionArg: the modern image's Kafka version is a build ARG, by
// default the version the tests run against (Makefile's KAFKA_VERSION).
func TestKafkaVersionArg(t *testing.T) {
	df, err := parse(filepath.Join("kafka", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	mk, err := os.ReadFile(filepath.Join(contextDir, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^KAFKA_VERSION \?= (\S+)$`).FindSubmatch(mk)
	if m == nil {
		t.Fatal("Makefile sets no KAFKA_VERSION")
	}
	if want, have := string(m[1]), df.metaArgs["KAFKA_VERSION"]; want != have {
		t.Errorf("want ARG KAFKA_VERSION=%s, have %q", want, have)
	}
}

// brokenFixtures each change testdata/good.Dockerfile in one place, with
// the error that must name the defect.
var brokenFixtures = []struct {
	file string
	want string
}{
	{"shell-entrypoint.Dockerfile", "shell form"},
	{"entrypoint-not-built.Dockerfile", "without CGO_ENABLED=0"},
	{"base-cmd.Dockerfile", "would be arguments to the supervisor"},
	{"no-stopsignal.Dockerfile", "no STOPSIGNAL"},
	{"stopsignal-kill.Dockerfile", "is not SIGTERM"},
	{"healthcheck-livez.Dockerfile", "not /readyz"},
	{"healthcheck-curl.Dockerfile", "is not [\"CMD\""},
	{"healthcheck-path.Dockerfile", "HEALTHCHECK runs /usr/bin/supervisor, but the supervisor is /usr/local/bin/supervisor"},
	{"root.Dockerfile", "is root"},
	{"no-user.Dockerfile", "no USER"},
	{"missing-source.Dockerfile", "scripts/missing.sh is not in the build context"},
	{"ignored-source.Dockerfile", "README.md is excluded by .dockerignore"},
	{"old-go.Dockerfile", "but go.mod wants Go"},
	{"no-labels.Dockerfile", "lacks the labels org.opencontainers.image.source"},
	{"base-not-arg.Dockerfile", "FROM eclipse-temurin:17-jre names its image"},
	{"base-untagged.Dockerfile", "the default eclipse-temurin has no tag or digest"},
	{"no-mod-download.Dockerfile", "no `RUN go mod download` layer"},
	{"mod-download-late.Dockerfile", "copies supervisor/ before `RUN go mod download`"},
	{"no-log-dir.Dockerfile", "sets no LOG_DIR"},
	{"log-dir-outside.Dockerfile", "LOG_DIR /opt/kafka/logs is not under SUPERVISOR_DATA_DIR"},
	{"data-dir-not-owned.Dockerfile", "no RUN chowns SUPERVISOR_DATA_DIR /var/lib/kafka"},
	{"keys-only.Dockerfile", "without checking the signer against images/kafka/release-signers"},
}

// TestChecksCatch feeds the broken Dockerfiles to the same checks as the
// real ones: exactly the one defect of each must be reported.
func TestChecksCatch(t *testing.T) {
	ignore, gov := loadIgnore(t), goVersion(t)
	for _, tc := range brokenFixtures {
		t.Run(tc.file, func(t *testing.T) {
			df, err := parse(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			errs := check(df, modern, gov, ignore)
			if len(errs) != 1 || !strings.Contains(errs[0].Error(), tc.want) {
				t.Errorf("want one error with %q, have %q", tc.want, errs)
			}
		})
	}
}

// TestGoodFixture: the fixture the broken ones derive from passes, so each
// of them fails for its own defect only.
func TestGoodFixture(t *testing.T) {
	df, err := parse(filepath.Join("testdata", "good.Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	if errs := check(df, modern, goVersion(t), loadIgnore(t)); len(errs) > 0 {
		t.Errorf("want no error, have %q", errs)
	}
}

// TestFixturesListed: every file in testdata/ is good.Dockerfile or a
// broken fixture above, so none is left unchecked.
func TestFixturesListed(t *testing.T) {
	listed := map[string]bool{"good.Dockerfile": true}
	for _, tc := range brokenFixtures {
		listed[tc.file] = true
	}
	files, err := filepath.Glob(filepath.Join("testdata", "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !listed[filepath.Base(f)] {
			t.Errorf("%s is in no table of images_test.go", f)
		}
	}
	if want, have := len(listed), len(files); want != have {
		t.Errorf("want %d fixtures in testdata/, have %d", want, have)
	}
}
