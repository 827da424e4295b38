package mmstats_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"mmstats.dev/writers/go/internal/testutil"
	"mmstats.dev/writers/go/mmstats"
)

// decoded reads path with the Go reader into label -> JSON value text.
func decoded(t *testing.T, path string) map[string]string {
	t.Helper()
	var doc struct {
		FormatVersion int `json:"format_version"`
		Fields        []struct {
			Label string
			Value json.RawMessage
		}
	}
	if err := json.Unmarshal(testutil.ReadGo(t, path), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.FormatVersion != 1 {
		t.Fatalf("format_version %d", doc.FormatVersion)
	}
	values := map[string]string{}
	for _, f := range doc.Fields {
		values[f.Label] = string(f.Value)
	}
	return values
}

func TestPublishedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.mmstats")
	c := mmstats.NewCounter("c")
	s, err := mmstats.Create(mmstats.Options{Version: mmstats.V1, Path: path}, c)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if data[0] != 1 || len(data)%4096 != 0 || len(data) != s.Size() || s.Path() != path {
		t.Fatalf("version byte %#x, %d bytes, Size %d, Path %q", data[0], len(data), s.Size(), s.Path())
	}
	c.Add(5)
	if got := decoded(t, path)["c"]; got != "5" {
		t.Fatalf("c = %s, want 5", got)
	}
}

func TestModeAndUmask(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	for _, tc := range []struct {
		mode  fs.FileMode
		umask int
		want  fs.FileMode
	}{{0, 0o022, 0o644}, {0o600, 0o022, 0o600}, {0, 0o077, 0o600}, {0o666, 0, 0o666}} {
		syscall.Umask(tc.umask)
		path := filepath.Join(t.TempDir(), "m.mmstats")
		s, err := mmstats.Create(mmstats.Options{Version: mmstats.V1, Path: path, Mode: tc.mode, NoDefaults: true})
		if err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != tc.want {
			t.Errorf("mode %o umask %o: got %o, want %o", tc.mode, tc.umask, st.Mode().Perm(), tc.want)
		}
		s.Close()
	}
}

// writeFile makes an mmstats file at path whose sys.pid is pid, and closes it.
func writeFile(t *testing.T, path string, pid uint32) {
	t.Helper()
	s, err := mmstats.Create(mmstats.Options{Version: mmstats.V1, Path: path, NoDefaults: true, KeepStale: true},
		mmstats.StaticInt("app.sys.pid", pid))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// deadPid is the pid of a process that has exited and been reaped.
func deadPid(t *testing.T) uint32 {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return uint32(cmd.Process.Pid)
}

func TestStaleFileIsReplaced(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.mmstats")
	writeFile(t, path, deadPid(t))
	s, err := mmstats.Create(mmstats.Options{Version: mmstats.V1, Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := decoded(t, path)["sys.pid"]; got != strconv.Itoa(os.Getpid()) {
		t.Fatalf("sys.pid %s: the stale file was not replaced", got)
	}
}

// Anything that is not provably stale stays as it was, and creation fails naming the path.
func TestExistingFilesAreKept(t *testing.T) {
	cases := map[string]func(t *testing.T, path string) (keepStale bool){
		"live writer": func(t *testing.T, path string) bool {
			writeFile(t, path, uint32(os.Getpid()))
			return false
		},
		"stale but KeepStale": func(t *testing.T, path string) bool {
			writeFile(t, path, deadPid(t))
			return true
		},
		"not an mmstats file": func(t *testing.T, path string) bool {
			return os.WriteFile(path, []byte("precious"), 0o644) != nil
		},
		"being created": func(t *testing.T, path string) bool {
			writeFile(t, path, deadPid(t))
			data, _ := os.ReadFile(path)
			data[0] = 0
			return os.WriteFile(path, data, 0o644) != nil
		},
		"empty": func(t *testing.T, path string) bool {
			return os.WriteFile(path, nil, 0o644) != nil
		},
		"no sys.pid": func(t *testing.T, path string) bool {
			s, err := mmstats.Create(mmstats.Options{Version: mmstats.V1, Path: path, NoDefaults: true}, mmstats.StaticInt("x", 1))
			if err != nil {
				t.Fatal(err)
			}
			return s.Close() != nil
		},
		"stale file with a broken tail": func(t *testing.T, path string) bool {
			writeFile(t, path, deadPid(t))
			data, _ := os.ReadFile(path)
			data[len(data)-1] = 0x2a // trailing_garbage
			return os.WriteFile(path, data, 0o644) != nil
		},
		"symlink to a stale file": func(t *testing.T, path string) bool {
			target := path + ".target"
			writeFile(t, target, deadPid(t))
			return os.Symlink(target, path) != nil
		},
		"directory": func(t *testing.T, path string) bool {
			return os.Mkdir(path, 0o755) != nil
		},
	}
	for name, setup := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "k.mmstats")
			keepStale := setup(t, path)
			before := snapshot(t, path)
			_, err := mmstats.Create(mmstats.Options{Version: mmstats.V1, Path: path, KeepStale: keepStale})
			if !errors.Is(err, mmstats.ErrExists) || !strings.Contains(err.Error(), path) {
				t.Fatalf("want ErrExists naming %s, got %v", path, err)
			}
			if after := snapshot(t, path); after != before {
				t.Fatalf("the existing file changed:\n%s\n%s", before, after)
			}
		})
	}
}

// snapshot describes what path names, without following a link: type, inode, bytes.
func snapshot(t *testing.T, path string) string {
	var st syscall.Stat_t
	if err := syscall.Lstat(path, &st); err != nil {
		t.Fatal(err)
	}
	desc := strconv.FormatUint(uint64(st.Mode), 8) + " " + strconv.FormatUint(uint64(st.Ino), 10)
	if st.Mode&syscall.S_IFMT == syscall.S_IFREG {
		data, _ := os.ReadFile(path)
		desc += " " + strconv.Quote(string(data[:min(len(data), 64)])) + " " + strconv.Itoa(len(data))
	}
	if st.Mode&syscall.S_IFMT == syscall.S_IFLNK {
		target, _ := os.Readlink(path)
		desc += " -> " + target + " " + snapshot(t, target)
	}
	return desc
}

func TestRemoveDeletesOnlyItsOwnFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.mmstats")
	s, err := mmstats.Create(mmstats.Options{Version: mmstats.V1, Path: path})
	if err != nil {
		t.Fatal(err)
	}
	// Another file takes the name: Remove must leave it alone.
	other := filepath.Join(dir, "other")
	if err := os.WriteFile(other, []byte("someone else's"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(other, path); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(); !errors.Is(err, mmstats.ErrNotOurFile) {
		t.Fatalf("want ErrNotOurFile, got %v", err)
	}
	if data, err := os.ReadFile(path); err != nil || string(data) != "someone else's" {
		t.Fatalf("the other file was touched: %q %v", data, err)
	}
	if err := s.Remove(); !errors.Is(err, mmstats.ErrClosed) {
		t.Fatalf("second Remove: want ErrClosed, got %v", err)
	}

	path2 := filepath.Join(dir, "r2.mmstats")
	s2, err := mmstats.Create(mmstats.Options{Version: mmstats.V1, Path: path2})
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(path2); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("still there: %v", err)
	}
}

func TestCloseKeepsTheFileAndUnbindsHandles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.mmstats")
	c := mmstats.NewCounter("c")
	s, err := mmstats.Create(mmstats.Options{Version: mmstats.V1, Path: path, NoDefaults: true}, c)
	if err != nil {
		t.Fatal(err)
	}
	c.Add(3)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); !errors.Is(err, mmstats.ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}
	c.Add(4) // reaches no file, and must not fault on the unmapped pages
	if got := decoded(t, path)["c"]; got != "3" {
		t.Fatalf("c = %s after Close, want 3", got)
	}
	if c.Load() != 7 {
		t.Fatalf("Load = %d, want 7", c.Load())
	}
	// The handle is free again: a new file starts from its value.
	path2 := filepath.Join(t.TempDir(), "c2.mmstats")
	s2, err := mmstats.Create(mmstats.Options{Version: mmstats.V1, Path: path2, NoDefaults: true}, c)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if got := decoded(t, path2)["c"]; got != "7" {
		t.Fatalf("c = %s in the new file, want 7", got)
	}
}

func TestValuesSetBeforeCreateAreInitialValues(t *testing.T) {
	path := filepath.Join(t.TempDir(), "i.mmstats")
	c := mmstats.NewCounter("c")
	text := mmstats.NewString("text", 8)
	c.Set(42)
	text.Set("init")
	s, err := mmstats.Create(mmstats.Options{Version: mmstats.V1, Path: path, NoDefaults: true}, c, text)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	data, _ := os.ReadFile(path)
	// c's record: 01 00 'c' 01 00 'Q' wb value[0] value[1]: wb 0, the initial value in value[1].
	wb, v0, v1 := data[7], data[8:16], data[16:24]
	if wb != 0 || !bytes.Equal(v0, make([]byte, 8)) || !bytes.Equal(v1, []byte{42, 0, 0, 0, 0, 0, 0, 0}) {
		t.Fatalf("c's record: wb %d value[0] % x value[1] % x", wb, v0, v1)
	}
	values := decoded(t, path)
	if values["c"] != "42" || values["text"] != `"init"` {
		t.Fatalf("%v", values)
	}
	c.Inc()
	if values := decoded(t, path); values["c"] != "43" {
		t.Fatalf("%v", values)
	}
}

func TestFieldInTwoOpenFiles(t *testing.T) {
	c := mmstats.NewCounter("c")
	s, err := mmstats.Create(mmstats.Options{Version: mmstats.V1, Path: filepath.Join(t.TempDir(), "a.mmstats"), NoDefaults: true}, c)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	path := filepath.Join(t.TempDir(), "b.mmstats")
	if _, err := mmstats.Create(mmstats.Options{Version: mmstats.V1, Path: path}, c); !errors.Is(err, mmstats.ErrFieldInUse) {
		t.Fatalf("want ErrFieldInUse, got %v", err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("created %s anyway", path)
	}
}

func TestDefaultFields(t *testing.T) {
	runtime.LockOSThread() // sys.tid is the thread that runs Create
	defer runtime.UnlockOSThread()
	path := filepath.Join(t.TempDir(), "d.mmstats")
	before := float64(time.Now().UnixNano()) / 1e9
	s, err := mmstats.Create(mmstats.Options{Version: mmstats.V1, Path: path, Prefix: "app."}, mmstats.NewCounter("hits"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	after := float64(time.Now().UnixNano()) / 1e9
	var doc struct {
		Fields []struct {
			Label, Type string
			Buffered    bool
			Value       json.RawMessage
		}
	}
	if err := json.Unmarshal(testutil.ReadGo(t, path), &doc); err != nil {
		t.Fatal(err)
	}
	want := []struct{ label, typ, value string }{
		{"app.hits", "Q", "0"},
		{"app.sys.pid", "I", strconv.Itoa(os.Getpid())},
		{"app.sys.tid", "q", strconv.Itoa(threadID())},
		{"app.sys.uid", "Q", strconv.Itoa(os.Getuid())},
		{"app.sys.gid", "Q", strconv.Itoa(os.Getgid())},
		{"app.org.golang.version", "256s", strconv.Quote(runtime.Version())},
		{"app.sys.created", "d", ""},
	}
	if len(doc.Fields) != len(want) {
		t.Fatalf("%d fields, want %d", len(doc.Fields), len(want))
	}
	for i, w := range want {
		f := doc.Fields[i]
		if f.Label != w.label || f.Type != w.typ || f.Buffered != (i == 0) {
			t.Errorf("field %d: %s %s buffered=%v, want %s %s", i, f.Label, f.Type, f.Buffered, w.label, w.typ)
		}
		if w.value != "" && string(f.Value) != w.value {
			t.Errorf("%s = %s, want %s", f.Label, f.Value, w.value)
		}
	}
	created, err := strconv.ParseFloat(string(doc.Fields[6].Value), 64)
	if err != nil || created < math.Floor(before) || created > after {
		t.Errorf("sys.created %s not within [%f, %f]", doc.Fields[6].Value, before, after)
	}
}

func TestDefaultPath(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	dir := t.TempDir()
	t.Setenv("MMSTATS_PATH", dir)
	t.Setenv("MMSTATS_FILES", "{CMD}.{x}-{PID}-{TID}.mmstats")
	cmd := strings.TrimSuffix(filepath.Base(os.Args[0]), filepath.Ext(os.Args[0]))
	want := filepath.Join(dir, cmd+".{x}-"+strconv.Itoa(os.Getpid())+"-"+strconv.Itoa(threadID())+".mmstats")
	s, err := mmstats.Create(mmstats.Options{Version: mmstats.V1})
	if err != nil {
		t.Fatal(err)
	}
	if s.Path() != want {
		t.Fatalf("path %q, want %q", s.Path(), want)
	}
	if err := s.Remove(); err != nil {
		t.Fatal(err)
	}

	t.Setenv("MMSTATS_PATH", "")
	t.Setenv("MMSTATS_FILES", "")
	got, err := mmstats.DefaultPath(mmstats.V1)
	wantDefault := filepath.Join(os.TempDir(), cmd+"-"+strconv.Itoa(os.Getpid())+"-"+strconv.Itoa(threadID())+".mmstats")
	if err != nil || got != wantDefault {
		t.Fatalf("DefaultPath = %q, %v; want %q", got, err, wantDefault)
	}
}
