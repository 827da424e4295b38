package mmstats

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

func canonicalV2(path string, f *FileV2) []byte {
	return AppendCanonicalFile(nil, path, &File{Version: v2Version, V2: f})
}

func mappedOK(t *testing.T, p *MappedPollerV2) *FileV2 {
	t.Helper()
	f, err := p.Read()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func wantFormatError(t *testing.T, err error, want codeAt, path string) {
	t.Helper()
	var fe *FormatError
	if !errors.As(err, &fe) || (codeAt{fe.Code, fe.Offset}) != want || fe.Path != path {
		t.Fatalf("want %s at %d naming %s, got %v", want.Code, want.Offset, path, err)
	}
}

// Every valid version 2 file, polled twice through the mapping, gives its
// .json by value and what the copying poller gives.
func TestMappedPollerV2ValidCorpus(t *testing.T) {
	manifest := v2Manifest(t)
	for _, path := range v2CorpusFiles(t, "valid") {
		id := v2CaseID(t, path)
		t.Run(id, func(t *testing.T) {
			if _, ok := manifest[id]; !ok {
				t.Fatalf("%s is not in the manifest", id)
			}
			want, err := os.ReadFile(strings.TrimSuffix(path, ".mmstats") + ".json")
			if err != nil {
				t.Fatalf("missing expectation: %v", err)
			}
			copying := NewPollerV2(path, DefaultMaxSize)
			defer copying.Close()
			fromCopies, err := copying.Read()
			if err != nil {
				t.Fatalf("PollerV2: %v", err)
			}
			p := NewMappedPollerV2(path, DefaultMaxSize)
			defer p.Close()
			for poll := 0; poll < 2; poll++ {
				got := canonicalV2(path, mappedOK(t, p))
				if d := canonicalDiff(want, got); len(d) > 0 {
					t.Fatalf("poll %d against the .json: %s", poll, strings.Join(d, "\n"))
				}
				if d := canonicalDiff(canonicalV2(path, fromCopies), got); len(d) > 0 {
					t.Fatalf("poll %d against PollerV2: %s", poll, strings.Join(d, "\n"))
				}
			}
			if p.walks != 1 {
				t.Fatalf("%d whole walks of an unchanged file, want 1", p.walks)
			}
		})
	}
}

// Every invalid version 2 file gives the code and offset of the copying
// reader, which are the manifest's, naming the file.
func TestMappedPollerV2InvalidCorpus(t *testing.T) {
	manifest := v2Manifest(t)
	for _, path := range v2CorpusFiles(t, "invalid") {
		id := v2CaseID(t, path)
		t.Run(id, func(t *testing.T) {
			c, ok := manifest[id]
			if !ok {
				t.Fatalf("%s is not in the manifest", id)
			}
			var want codeAt
			if err := json.Unmarshal(c.Expect, &want); err != nil {
				t.Fatal(err)
			}
			maxSize := int64(DefaultMaxSize)
			if c.Options.MaxSize > 0 {
				maxSize = c.Options.MaxSize
			}
			_, copied := ReadFile(path, maxSize)
			wantFormatError(t, copied, want, path)
			p := NewMappedPollerV2(path, maxSize)
			defer p.Close()
			_, err := p.Read()
			wantFormatError(t, err, want, path)
			if p.data != nil || p.file != nil {
				t.Fatal("a file with a problem stays mapped or open")
			}
		})
	}
}

// A field appended at run time is picked up, values follow the writer, and
// entries already parsed are never parsed again: an old entry spoiled after
// the first poll goes unnoticed until the file is parsed afresh.
func TestMappedPollerV2PicksUpAppendedFieldsOnly(t *testing.T) {
	data := basicV2(t)
	path := writeTemp(t, data)
	p := NewMappedPollerV2(path, DefaultMaxSize)
	defer p.Close()
	if f := mappedOK(t, p); len(f.Fields) != 3 || f.Fields[0].Value.Uint() != 17 {
		t.Fatalf("first poll: %+v", f.Fields)
	}
	if p.walks != 1 || p.walked != 3 {
		t.Fatalf("first poll: %d walks, %d entries; want 1 and 3", p.walks, p.walked)
	}

	data[basicFirstName] = 0xff // a re-parse would report bad_utf8 here
	binary.LittleEndian.PutUint64(data[basicSlot1Copy:], 30)
	appendGauge(data, 99)
	rewrite(t, path, data)
	f := mappedOK(t, p)
	if len(f.Fields) != 4 || f.Fields[3].Label != "new" || f.Fields[3].Value.Uint() != 99 {
		t.Fatalf("second poll: %+v", f.Fields)
	}
	if f.Fields[0].Label != "http.requests" || f.Fields[0].Value.Uint() != 5+30 {
		t.Fatalf("the old entry was parsed again or its value not loaded: %+v", f.Fields[0])
	}
	if p.walks != 1 || p.walked != 4 {
		t.Fatalf("second poll: %d walks, %d entries; want 1 and 4 (the new entry only)", p.walks, p.walked)
	}
	mappedOK(t, p)
	if p.walked != 4 {
		t.Fatalf("a poll without a new entry walked %d entries", p.walked-4)
	}

	data[h2Pid]++ // another writer's file: parsed afresh, so the spoiled name is found
	rewrite(t, path, data)
	_, err := p.Read()
	wantFormatError(t, err, codeAt{CodeBadUTF8, basicFirstName}, path)
}

// A new entry with a problem is reported when it is published, from the copy.
func TestMappedPollerV2ReportsAProblemOfANewEntry(t *testing.T) {
	data := basicV2(t)
	path := writeTemp(t, data)
	p := NewMappedPollerV2(path, DefaultMaxSize)
	defer p.Close()
	mappedOK(t, p)
	appendGauge(data, 1)
	le.PutUint16(data[basicNextEntry+e2NameSize:], 0)
	rewrite(t, path, data)
	_, err := p.Read()
	wantFormatError(t, err, codeAt{CodeBadName, basicNextEntry + e2NameSize}, path)
}

// A file truncated between polls is bad_file_size at its new size, with no
// load from the mapping; the next poll maps it again and walks it.
func TestMappedPollerV2TruncatedBetweenPolls(t *testing.T) {
	for _, size := range []int64{0, 100, PageSize / 2} {
		path := writeTemp(t, basicV2(t))
		p := NewMappedPollerV2(path, DefaultMaxSize)
		mappedOK(t, p)
		if err := os.Truncate(path, size); err != nil {
			t.Fatal(err)
		}
		_, err := p.Read()
		wantFormatError(t, err, codeAt{CodeBadFileSize, size}, path)
		if p.data != nil {
			t.Fatal("the shrunk file stays mapped")
		}
		again := codeAt{CodeBadFileSize, size}
		if size == 0 {
			again = codeAt{CodeNotReady, 0}
		}
		_, err = p.Read()
		wantFormatError(t, err, again, path)
		p.Close()
	}
}

// A load past the end of a file shrunk after the size check faults; the fault
// is an error, not a crash, and the mapping is released.
func TestMappedPollerV2FaultIsAnError(t *testing.T) {
	path := writeTemp(t, basicV2(t))
	p := NewMappedPollerV2(path, DefaultMaxSize)
	defer p.Close()
	mappedOK(t, p)
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	_, err := p.guard(func() (*FileV2, error) { return p.values(), nil }) // past the size check
	wantFormatError(t, err, codeAt{CodeBadFileSize, 0}, path)
	if p.data != nil || p.file != nil {
		t.Fatal("the mapping or the file was kept after a fault")
	}
}

// replaceAfterOnePoll polls basicV2 at a new path, then renames another file
// over it (http.requests 5 + 30, a gauge "new" = 7 appended) and returns the poller.
func replaceAfterOnePoll(t *testing.T) (*MappedPollerV2, string) {
	data := basicV2(t)
	path := writeTemp(t, data)
	p := NewMappedPollerV2(path, DefaultMaxSize)
	t.Cleanup(func() { p.Close() })
	if f := mappedOK(t, p); f.Fields[0].Value.Uint() != 17 {
		t.Fatalf("first poll: %+v", f.Fields[0])
	}
	binary.LittleEndian.PutUint64(data[basicSlot1Copy:], 30)
	appendGauge(data, 7)
	next := path + ".new"
	if err := os.WriteFile(next, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(next, path); err != nil {
		t.Fatal(err)
	}
	return p, path
}

// A file replaced by rename between polls is mapped and read.
func TestMappedPollerV2PicksUpAReplacedFile(t *testing.T) {
	p, _ := replaceAfterOnePoll(t)
	f := mappedOK(t, p)
	if len(f.Fields) != 4 || f.Fields[0].Value.Uint() != 5+30 || f.Fields[3].Value.Uint() != 7 {
		t.Fatalf("the replacement was not read: %+v", f.Fields)
	}
	if p.walks != 2 {
		t.Fatalf("%d whole walks, want 2", p.walks)
	}
}

// A sequence left odd in a ready file is null after the retry bound, with a
// yield after every ten attempts; in a closed file at once; an even one is read again.
func TestMappedPollerV2OddSequenceIsNull(t *testing.T) {
	yields := countYields(t)
	data := basicV2(t)
	putSeq(data, 7)
	path := writeTemp(t, data)
	p := NewMappedPollerV2(path, DefaultMaxSize)
	defer p.Close()
	if got := stateValue(t, mappedOK(t, p)); !got.Null {
		t.Fatalf("want null, got %+v", got)
	}
	if want := (v2Retries - 1) / v2YieldEvery; *yields != want {
		t.Fatalf("%d yields, want %d", *yields, want)
	}

	putSeq(data, 8)
	rewrite(t, path, data)
	if got := stateValue(t, mappedOK(t, p)); got.Null || got.Value.Str() != "idle" {
		t.Fatalf("want idle, got %+v", got)
	}

	*yields = 0
	putSeq(data, 9)
	binary.LittleEndian.PutUint32(data[h2State:], v2StateClosed)
	rewrite(t, path, data)
	if got := stateValue(t, mappedOK(t, p)); !got.Null || *yields != 0 {
		t.Fatalf("closed: want null without retries, got %+v after %d yields", got, *yields)
	}
}

// A version 1 file is refused with an error naming it.
func TestMappedPollerV2RefusesVersion1(t *testing.T) {
	path := interopFiles(t)[0]
	p := NewMappedPollerV2(path, DefaultMaxSize)
	defer p.Close()
	_, err := p.Read()
	var ie *IOError
	if !errors.As(err, &ie) || ie.Path != path || !strings.Contains(err.Error(), "reads version 2 only") {
		t.Fatalf("got %v", err)
	}
	if p.data != nil {
		t.Fatal("the version 1 file stays mapped")
	}
}

// A path that is not a regular file is refused before anything is mapped.
func TestMappedPollerV2RefusesADirectory(t *testing.T) {
	p := NewMappedPollerV2(t.TempDir(), DefaultMaxSize)
	if _, err := p.Read(); !errors.Is(err, ErrNotRegular) {
		t.Fatalf("got %v", err)
	}
}
