package mmstats

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeTemp(t *testing.T, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "case.mmstats")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadRefusesAFileOverTheLimit(t *testing.T) {
	p := writeTemp(t, page(cat([]byte{1}, good), 2*PageSize))
	_, err := Read(p, PageSize)
	var fe *FormatError
	if !errors.As(err, &fe) || fe.Code != CodeFileTooLarge || fe.Offset != PageSize || fe.Path != p {
		t.Fatalf("want file_too_large at %d naming %s, got %v", PageSize, p, err)
	}
	probs, err := Validate(p, PageSize)
	if err != nil || len(probs) != 1 || probs[0].Code != CodeFileTooLarge || probs[0].Offset != PageSize {
		t.Fatalf("Validate: %v %v", probs, err)
	}
	if _, err := Read(p, 2*PageSize); err != nil {
		t.Fatalf("at the limit exactly: %v", err)
	}
}

func TestReadNamesTheFileOffsetAndCode(t *testing.T) {
	p := writeTemp(t, page(cat([]byte{1}, rec("a", "l", 0xff, nil))))
	_, err := Read(p, DefaultMaxSize)
	want := p + ": offset 6: unknown_type: "
	if err == nil || !strings.HasPrefix(err.Error(), want) || !strings.HasSuffix(err.Error(), "(at 0x6)") {
		t.Fatalf("want %q..., got %v", want, err)
	}
}

func TestValidateListsEveryProblemWithThePath(t *testing.T) {
	p := writeTemp(t, cat([]byte{1}, rec("\xc0\xafx", "B", 0xff, []byte{1}), rec("ok", "Z", 0xff, nil), []byte{0}))
	probs, err := Validate(p, DefaultMaxSize)
	if err != nil {
		t.Fatal(err)
	}
	want := []codeAt{{CodeBadLabelUTF8, 3}, {CodeUnknownType, 17}, {CodeBadFileSize, 20}}
	if got := codesOf(probs); len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("want %v, got %v", want, got)
	}
	for _, e := range probs {
		if e.Path != p {
			t.Fatalf("problem without the path: %v", e)
		}
	}
}

func TestReadOfAMissingFileIsAnIOError(t *testing.T) {
	_, err := Read(filepath.Join(t.TempDir(), "nope.mmstats"), DefaultMaxSize)
	var fe *FormatError
	if errors.As(err, &fe) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("want a not-exist error, got %v", err)
	}
	if _, err := Validate(t.TempDir(), DefaultMaxSize); err == nil {
		t.Fatal("validating a directory must fail with an I/O error")
	}
}
