package main

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The command's exit codes and its promise to leave no OUT behind on error.
func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "mmstats-go-write")
	if out, err := exec.Command("go", "build", "-o", exe, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	good := filepath.Join(dir, "good.json")
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(good, []byte(`{"fields": [{"label": "n", "type": "Q", "buffered": true}], "updates": [{"field": "n", "value": 5}]}`), 0o644)
	os.WriteFile(bad, []byte(`{"fields": [{"label": "n", "type": "Q", "buffered": true}], "updates": [{"field": "n", "value": "5"}]}`), 0o644)
	exists := filepath.Join(dir, "exists.mmstats")
	os.WriteFile(exists, []byte("keep"), 0o644)

	run := func(args ...string) (int, string) {
		cmd := exec.Command(exe, args...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode(), stderr.String()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0, stderr.String()
	}
	if code, _ := run(); code != 2 {
		t.Errorf("no arguments: exit %d, want 2", code)
	}
	if code, _ := run(good); code != 2 {
		t.Errorf("one argument: exit %d, want 2", code)
	}
	out := filepath.Join(dir, "bad.mmstats")
	if code, msg := run(bad, out); code != 1 || !strings.Contains(msg, "bad.json") {
		t.Errorf("bad scenario: exit %d (%q), want 1 naming the scenario", code, msg)
	}
	if _, err := os.Stat(out); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("bad scenario left %s", out)
	}
	if code, msg := run(good, exists); code != 1 || !strings.Contains(msg, exists) {
		t.Errorf("existing OUT: exit %d (%q), want 1 naming it", code, msg)
	}
	if data, _ := os.ReadFile(exists); string(data) != "keep" {
		t.Errorf("existing OUT changed: %q", data)
	}
	out = filepath.Join(dir, "good.mmstats")
	if code, msg := run(good, out); code != 0 {
		t.Fatalf("good scenario: exit %d: %s", code, msg)
	}
	data, err := os.ReadFile(out)
	if err != nil || len(data) != 4096 || data[0] != 1 {
		t.Fatalf("OUT: %d bytes, %v", len(data), err)
	}
}
