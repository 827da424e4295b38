//go:build unix

package mmstats

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// mkfifo makes a FIFO; the cleanup opens its write end, which frees a reader
// stuck in open() (the bug under test) so the test binary can end.
func mkfifo(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if w, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
	})
	return p
}

// within runs f and fails the test if it has not returned after a few seconds.
func within(t *testing.T, what string, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		t.Fatalf("%s: still blocked after 5 s", what)
		return nil
	}
}

func wantNotRegular(t *testing.T, what, path string, err error) {
	t.Helper()
	var ioe *IOError
	if !errors.Is(err, ErrNotRegular) || !errors.As(err, &ioe) || ioe.Path != path ||
		!strings.HasPrefix(err.Error(), path+": not a regular file") {
		t.Fatalf("%s: want %q: not a regular file, got %v", what, path, err)
	}
}

func TestEveryReadRefusesAFIFOWithoutBlocking(t *testing.T) {
	p := mkfifo(t, t.TempDir(), "planted.mmstats")
	err := within(t, "Read", func() error { _, err := Read(p, DefaultMaxSize); return err })
	wantNotRegular(t, "Read", p, err)
	err = within(t, "ReadBytes", func() error { _, err := ReadBytes(p, DefaultMaxSize); return err })
	wantNotRegular(t, "ReadBytes", p, err)
	err = within(t, "Validate", func() error {
		probs, err := Validate(p, DefaultMaxSize)
		if len(probs) > 0 {
			t.Errorf("Validate reported format problems for a FIFO: %v", probs)
		}
		return err
	})
	wantNotRegular(t, "Validate", p, err)
	err = within(t, "StatsReader", func() error { _, err := NewStatsReader(p, DefaultMaxSize).Read(); return err })
	wantNotRegular(t, "StatsReader", p, err)
	if !strings.Contains(err.Error(), "FIFO") {
		t.Errorf("the message should say what the file is: %v", err)
	}
}

// A file a StatsReader has loaded is swapped for a FIFO: the next Read refuses it.
func TestStatsReaderRefusesAFIFOSwappedIn(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "swapped.mmstats")
	if err := os.WriteFile(p, page(cat([]byte{1}, good)), 0o644); err != nil {
		t.Fatal(err)
	}
	r := NewStatsReader(p, DefaultMaxSize)
	defer r.Close()
	if _, err := r.Read(); err != nil {
		t.Fatal(err)
	}
	fifo := mkfifo(t, dir, "fifo")
	if err := os.Rename(fifo, p); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // the cleanup of mkfifo looks under the old name
		if w, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
	})
	err := within(t, "StatsReader after the swap", func() error { _, err := r.Read(); return err })
	wantNotRegular(t, "StatsReader after the swap", p, err)
}

func TestReadRefusesDirectoriesAndDevices(t *testing.T) {
	dir := t.TempDir()
	_, err := Read(dir, DefaultMaxSize)
	wantNotRegular(t, "a directory", dir, err)
	_, err = Validate("/dev/null", DefaultMaxSize)
	wantNotRegular(t, "/dev/null", "/dev/null", err)
}
