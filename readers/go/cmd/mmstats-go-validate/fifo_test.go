//go:build unix

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// A FIFO planted where a stats file is expected: exit 2 at once, naming it.
func TestFIFOIsRefusedWithoutBlocking(t *testing.T) {
	p := filepath.Join(t.TempDir(), "planted.mmstats")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // frees a validator stuck in open(), should the bug come back
		if w, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
	})
	var errOut bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- run([]string{p}, &errOut) }()
	select {
	case code := <-done:
		if want := "mmstats-go-validate: " + p + ": not a regular file (a FIFO)\n"; code != 2 || errOut.String() != want {
			t.Fatalf("exit %d, stderr %q, want %q", code, errOut.String(), want)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("still blocked on the FIFO after 5 s")
	}
}
