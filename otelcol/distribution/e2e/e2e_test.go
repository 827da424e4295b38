// Package e2e runs the built collector (build/otelcol-mmstats) against live mmstats files.
package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// repo is the repository root, seen from this package's directory.
const repo = "../../.."

// The example configuration, run by the built collector against a directory
// where a live Python writer and the C writer put their files, served on a
// free loopback port and scraped like Prometheus would.
func TestCollectorServesLiveFilesToPrometheus(t *testing.T) {
	dir := t.TempDir()
	pid, hits := startWriters(t, dir)
	port := freePort(t)
	startCollector(t, "examples/otelcol/mmstats-to-prometheus.yaml", "MMSTATS_PATH="+dir,
		"MMSTATS_PROMETHEUS_ENDPOINT=127.0.0.1:"+port)
	metrics := "http://127.0.0.1:" + port + "/metrics"

	// 3 hits so far; process identity as labels, not as gauges
	hitsSeries := `web_stats_hits_total{` // a monotonic sum gets _total
	body := scrapeUntil(t, metrics, func(b string) bool { return sampleOf(b, hitsSeries, `process_pid="`+pid+`"`) == "3" })
	for _, want := range []string{`mmstats_file="py-writer-` + pid + `-`, `process_executable_name="python`} {
		if !strings.Contains(lineOf(body, hitsSeries), want) {
			t.Errorf("series %s lacks %s:\n%s", hitsSeries, want, lineOf(body, hitsSeries))
		}
	}
	if v := sampleOf(body, "web_stats_load{", `process_pid="`+pid+`"`); v != "2.5" {
		t.Errorf("gauge web_stats_load = %q, want 2.5", v)
	}
	if v := sampleOf(body, "count_total{", `mmstats_file="c-writer.mmstats"`); v != "600" {
		t.Errorf("C-written counter count = %q, want 600", v)
	}
	if strings.Contains(body, "sys_pid") || strings.Contains(body, "sys_created") {
		t.Errorf("default fields exported as metrics:\n%s", body)
	}
	if !strings.Contains(body, "# TYPE web_stats_hits_total counter") {
		t.Errorf("web_stats_hits_total is not a counter:\n%s", body)
	}

	// the writer counts on; the next collection shows it
	fmt.Fprintln(hits, "hit")
	fmt.Fprintln(hits, "hit")
	scrapeUntil(t, metrics, func(b string) bool { return sampleOf(b, hitsSeries, `process_pid="`+pid+`"`) == "5" })

	// a format version 2 file of a live writer: the unit as a suffix, the
	// help as HELP, a histogram's buckets cumulative as Prometheus's le
	v2pid, sends := startV2Writer(t, dir)
	proc := `process_pid="` + v2pid + `"`
	sentSeries := `net_sent_bytes_total{` // counter net.sent, unit By
	body = scrapeUntil(t, metrics, func(b string) bool { return sampleOf(b, sentSeries, proc) == "1500" })
	if !strings.Contains(body, "# HELP net_sent_bytes_total Bytes sent") {
		t.Errorf("net_sent_bytes_total lacks its help:\n%s", body)
	}
	if !strings.Contains(lineOf(body, sentSeries), `peer="db"`) {
		t.Errorf("the attribute peer=db is not a label: %s", lineOf(body, sentSeries))
	}
	latency := "http_latency_milliseconds" // histogram http.latency, unit ms, observations 5, 50, 500
	for _, c := range []struct{ series, label, want string }{
		{latency + `_bucket{`, `le="10"`, "1"}, {latency + `_bucket{`, `le="100"`, "2"},
		{latency + `_bucket{`, `le="+Inf"`, "3"}, {latency + `_count{`, proc, "3"}, {latency + `_sum{`, proc, "555"},
	} {
		if v := sampleOf(body, c.series, c.label); v != c.want {
			t.Errorf("%s%s} = %q, want %s", c.series, c.label, v, c.want)
		}
	}
	if strings.Contains(body, "build_version{") || !strings.Contains(lineOf(body, sentSeries), `build_version="2.0.1"`) {
		t.Errorf("the text constant build.version is not a label of the process's series:\n%s", body)
	}
	fmt.Fprintln(sends, "send")
	scrapeUntil(t, metrics, func(b string) bool { return sampleOf(b, sentSeries, proc) == "2000" })
}

// startV2Writer runs a Python writer of a format version 2 file in dir and
// returns its pid with the pipe that makes it send 500 more bytes a line.
func startV2Writer(t *testing.T, dir string) (pid string, sends io.WriteCloser) {
	t.Helper()
	python := mustExist(t, ".venv/bin/python", "make setup")
	writer := exec.Command(python, "-c", pythonV2Writer, filepath.Join(dir, "py-v2.mmstats"))
	return startPython(t, writer, "the Python version 2 writer")
}

// startPython starts writer, waits for its "ready" line and returns its pid
// with its stdin; the writer stops when the test ends.
func startPython(t *testing.T, writer *exec.Cmd, what string) (pid string, stdin io.WriteCloser) {
	t.Helper()
	writer.Stderr = os.Stderr
	stdin, err := writer.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	ready, err := writer.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := writer.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); writer.Wait() })
	readyLine := bufio.NewScanner(ready)
	if !readyLine.Scan() || readyLine.Text() != "ready" {
		t.Fatalf("%s did not start: %q", what, readyLine.Text())
	}
	return strconv.Itoa(writer.Process.Pid), stdin
}

// pythonV2Writer publishes a counter with a unit, help and an attribute, a
// histogram and a text constant, says "ready", then adds 500 bytes per line
// of standard input until it ends.
const pythonV2Writer = `
import sys
from mmstats._v2writer import V2Writer
w = V2Writer.create(sys.argv[1])
w.constant("build.version", "utf8", "2.0.1")
sent = w.counter("net.sent", unit="By", help="Bytes sent", attributes={"peer": "db"})
sent.add(1500)
latency = w.histogram("http.latency", bounds=(10.0, 100.0), unit="ms", help="Request latency")
for v in (5.0, 50.0, 500.0):
    latency.observe(v)
print("ready", flush=True)
for _ in sys.stdin:
    sent.add(500)
w.close()
`

// The remote-write example pushes the same files into a real Prometheus
// server (Debian's prometheus, started on a free loopback port), whose query
// API then returns the writers' values.
func TestCollectorRemoteWritesToPrometheus(t *testing.T) {
	prometheus, err := exec.LookPath("prometheus")
	if err != nil {
		t.Fatalf("the prometheus server is missing (apt-get install prometheus): %v", err)
	}
	dir := t.TempDir()
	pid, _ := startWriters(t, dir)
	promConfig := filepath.Join(t.TempDir(), "prometheus.yml")
	if err := os.WriteFile(promConfig, []byte("global:\n  scrape_interval: 1s\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	start(t, exec.Command(prometheus, "--config.file="+promConfig, "--web.enable-remote-write-receiver",
		"--storage.tsdb.path="+t.TempDir(), "--web.listen-address=127.0.0.1:"+port))
	startCollector(t, "examples/otelcol/mmstats-remote-write.yaml", "MMSTATS_PATH="+dir,
		"REMOTE_WRITE_URL=http://127.0.0.1:"+port+"/api/v1/write")

	query := "http://127.0.0.1:" + port + "/api/v1/query?query=" +
		url.QueryEscape(`web_stats_hits_total{process_pid="`+pid+`"}`)
	scrapeUntil(t, query, func(b string) bool { return queryValue(b) == "3" })
	query = "http://127.0.0.1:" + port + "/api/v1/query?query=" + url.QueryEscape(`count_total{mmstats_file="c-writer.mmstats"}`)
	scrapeUntil(t, query, func(b string) bool { return queryValue(b) == "600" })
}

// startWriters puts two files into dir: one the C writer wrote and left (its
// counter "count" at 600, the scenario's expected value), and one of a live
// Python writer, whose pid is returned with the pipe that makes it count.
func startWriters(t *testing.T, dir string) (pid string, hits io.WriteCloser) {
	t.Helper()
	python := mustExist(t, ".venv/bin/python", "make setup")
	cWriter := mustExist(t, "writers/c/build/mmstats-c-write", "make -C writers/c build/mmstats-c-write")
	run(t, exec.Command(cWriter, mustExist(t, "conformance/writer-scenarios/many-updates.json", ""),
		filepath.Join(dir, "c-writer.mmstats")))

	writer := exec.Command(python, "-c", pythonWriter)
	writer.Env = append(os.Environ(), "MMSTATS_PATH="+dir, "MMSTATS_FILES=py-writer-{PID}-{TID}.mmstats")
	return startPython(t, writer, "the Python writer")
}

// startCollector runs the built collector with an example configuration.
func startCollector(t *testing.T, config string, env ...string) {
	t.Helper()
	cmd := exec.Command(mustExist(t, "build/otelcol-mmstats", "make otelcol"), "--config", mustExist(t, config, ""))
	cmd.Env = append(append(os.Environ(), "MMSTATS_COLLECTION_INTERVAL=200ms"), env...)
	start(t, cmd)
}

// start runs cmd until the test ends, and shows its output if the test failed.
func start(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
		if t.Failed() {
			t.Logf("%s output:\n%s", filepath.Base(cmd.Path), logs.String())
		}
	})
}

// pythonWriter publishes a counter and a gauge, says "ready", then counts one
// hit per line of standard input until it ends.
const pythonWriter = `
import sys, mmstats
class WebStats(mmstats.MmStats):
    hits = mmstats.CounterField(label="hits")
    load = mmstats.DoubleField(label="load")
stats = WebStats(label_prefix="web.stats.")
stats.hits.incr(3)
stats.load = 2.5
print("ready", flush=True)
for _ in sys.stdin:
    stats.hits.incr()
`

func mustExist(t *testing.T, rel, makeIt string) string {
	t.Helper()
	path, err := filepath.Abs(filepath.Join(repo, rel))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("%s is missing (%s): %v", rel, makeIt, err)
	}
	return path
}

func run(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, out)
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// scrapeUntil GETs addr until ok accepts the body, for at most 30 s.
func scrapeUntil(t *testing.T, addr string, ok func(string) bool) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	last := ""
	for time.Now().Before(deadline) {
		if resp, err := http.Get(addr); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if last = string(b); ok(last) {
				return last
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s never showed the expected samples; last body:\n%s", addr, last)
	return ""
}

// lineOf is the first sample line that begins with prefix.
func lineOf(body, prefix string) string {
	for _, l := range strings.Split(body, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

var sampleValue = regexp.MustCompile(`} (\S+)$`)

// sampleOf is the value of the first sample of prefix whose labels hold label.
func sampleOf(body, prefix, label string) string {
	for _, l := range strings.Split(body, "\n") {
		if strings.HasPrefix(l, prefix) && strings.Contains(l, label) {
			if m := sampleValue.FindStringSubmatch(l); m != nil {
				return m[1]
			}
		}
	}
	return ""
}

// queryValue is the value of the one sample a Prometheus instant query
// returned, or "" when it returned none or several.
func queryValue(body string) string {
	var r struct {
		Data struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if json.Unmarshal([]byte(body), &r) != nil || len(r.Data.Result) != 1 {
		return ""
	}
	v, _ := r.Data.Result[0].Value[1].(string)
	return v
}
