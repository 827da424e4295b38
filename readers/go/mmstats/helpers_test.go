package mmstats

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// page pads data with zeros to size bytes (PageSize when size is 0).
func page(data []byte, size ...int) []byte {
	n := PageSize
	if len(size) > 0 {
		n = size[0]
	}
	if len(data) > n {
		panic("page: data longer than the page")
	}
	return append(append([]byte{}, data...), make([]byte, n-len(data))...)
}

// rec spells one record out by hand, independent of the scanner's offsets.
func rec(label, typ string, wb byte, value []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint16(len(label)))
	b.WriteString(label)
	binary.Write(&b, binary.LittleEndian, uint16(len(typ)))
	b.WriteString(typ)
	b.WriteByte(wb)
	b.Write(value)
	return b.Bytes()
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func u16(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }
func u64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

// moduleRoot is the directory holding go.mod (readers/go).
func moduleRoot(t testing.TB) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's directory")
		}
		dir = parent
	}
}

// repoRoot is the repository's root, two levels above the module.
func repoRoot(t testing.TB) string {
	return filepath.Join(moduleRoot(t), "..", "..")
}

// interopDir is the repository's 0.8 corpus: files the original library wrote, with its reader's JSON.
func interopDir(t testing.TB) string {
	return filepath.Join(repoRoot(t), "conformance", "golden", "mmstats-0.8")
}

// interopFiles lists every .mmstats of the 0.8 corpus (both folders); a missing corpus fails the test.
func interopFiles(t testing.TB) []string {
	dir := interopDir(t)
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".mmstats") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil || len(files) == 0 {
		t.Fatalf("the 0.8 corpus is missing from %s (%v)", dir, err)
	}
	sort.Strings(files)
	return files
}

type codeAt struct {
	Code   string `json:"code"`
	Offset int64  `json:"offset"`
}

func codesOf(errs []FormatError) []codeAt {
	out := []codeAt{}
	for _, e := range errs {
		out = append(out, codeAt{e.Code, e.Offset})
	}
	return out
}
