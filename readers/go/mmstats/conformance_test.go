package mmstats

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type manifestCase struct {
	ID      string          `json:"id"`
	Path    string          `json:"path"`
	Kind    string          `json:"kind"`
	Expect  json.RawMessage `json:"expect"`
	Options struct {
		MaxSize int64 `json:"max_size"`
	} `json:"options"`
}

// The repository's conformance corpus (conformance/manifest.json): valid cases
// decode to their JSON, invalid ones give their code at their offset as the
// first problem.
func TestConformanceCorpus(t *testing.T) {
	root := filepath.Join(repoRoot(t), "conformance")
	raw, err := os.ReadFile(filepath.Join(root, "manifest.json"))
	if err != nil {
		t.Fatalf("no conformance corpus: %v", err)
	}
	var manifest struct {
		Cases []manifestCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &manifest); err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, c := range manifest.Cases {
		if c.Kind != "valid" && c.Kind != "invalid" {
			continue
		}
		ran++
		c := c
		t.Run(c.ID, func(t *testing.T) {
			maxSize := int64(DefaultMaxSize)
			if c.Options.MaxSize > 0 {
				maxSize = c.Options.MaxSize
			}
			path := filepath.Join(root, c.Path)
			file, err := ReadFile(path, maxSize)
			if c.Kind == "valid" {
				var expectPath string
				if err := json.Unmarshal(c.Expect, &expectPath); err != nil {
					t.Fatal(err)
				}
				if err != nil {
					t.Fatalf("valid case rejected: %v", err)
				}
				want, err := os.ReadFile(filepath.Join(root, expectPath))
				if err != nil {
					t.Fatal(err)
				}
				if d := canonicalDiff(want, AppendCanonicalFile(nil, path, file)); len(d) > 0 {
					t.Fatalf("%s", strings.Join(d, "\n"))
				}
				return
			}
			var want codeAt
			if err := json.Unmarshal(c.Expect, &want); err != nil {
				t.Fatal(err)
			}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("want %s at %d, got %v", want.Code, want.Offset, err)
			}
			if (codeAt{fe.Code, fe.Offset}) != want {
				t.Fatalf("want %s at %d, got %v", want.Code, want.Offset, fe)
			}
		})
	}
	if ran == 0 {
		t.Fatal("manifest has no reader cases")
	}
}
