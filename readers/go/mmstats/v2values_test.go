package mmstats

import (
	"encoding/binary"
	"testing"
)

// In basicV2, the string "state" ("idle") has its sequence at 392, its length
// at 400 and its text at 408; its capacity is 16.
const (
	basicStateSeq  = 392
	basicStateLen  = 400
	basicStateText = 408
)

// writerScript is a file whose bytes a test changes between reads: before(n)
// runs before read number n (0 is copy B of the protocol, 1 copy C, then the
// small re-reads), so a test plays a writer at exact points.
type writerScript struct {
	data   []byte
	reads  int
	before func(n int, data []byte)
}

func (f *writerScript) ReadAt(p []byte, off int64) (int, error) {
	if f.before != nil {
		f.before(f.reads, f.data)
	}
	f.reads++
	return copy(p, f.data[off:]), nil
}

func readScripted(t *testing.T, f *writerScript) *FileV2 {
	t.Helper()
	first := append([]byte(nil), f.data...)
	sc := scan(first)
	if len(sc.errs) > 0 || sc.v2 == nil {
		t.Fatalf("copy A: %v", sc.errs)
	}
	out, err := readV2(f, first, sc.v2, "scripted")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func stateValue(t *testing.T, f *FileV2) FieldV2 {
	t.Helper()
	if len(f.Fields) != 3 || f.Fields[2].Label != "state" {
		t.Fatalf("fields: %+v", f.Fields)
	}
	return f.Fields[2]
}

func putSeq(data []byte, seq uint64) { binary.LittleEndian.PutUint64(data[basicStateSeq:], seq) }

// A sequence that stays odd in a ready file: the retry bound is reached (three
// small reads per attempt), and the value is null.
func TestV2OddSequenceGivesNullAfterTheBound(t *testing.T) {
	f := &writerScript{data: basicV2(t)}
	putSeq(f.data, 7)
	got := stateValue(t, readScripted(t, f))
	if !got.Null {
		t.Fatalf("want null, got %+v", got)
	}
	if want := 2 + 3*v2Retries; f.reads != want {
		t.Fatalf("%d reads, want %d (copies B and C, then 3 per retry)", f.reads, want)
	}
}

// A closed file's odd sequence never becomes even: no retries.
func TestV2ClosedFileIsNotRetried(t *testing.T) {
	f := &writerScript{data: basicV2(t)}
	putSeq(f.data, 7)
	binary.LittleEndian.PutUint32(f.data[h2State:], v2StateClosed)
	got := stateValue(t, readScripted(t, f))
	if !got.Null || f.reads != 2 {
		t.Fatalf("want null after copies B and C only; got %+v after %d reads", got, f.reads)
	}
}

// A writer that finishes its update while the reader retries: the text it wrote is read.
func TestV2WriterFinishingDuringRetries(t *testing.T) {
	f := &writerScript{data: basicV2(t)}
	putSeq(f.data, 7)
	f.before = func(n int, data []byte) {
		if n == 2+3*5 { // after five attempts
			copy(data[basicStateText:], "busy")
			putSeq(data, 8)
		}
	}
	got := stateValue(t, readScripted(t, f))
	if got.Null || got.Value.Str() != "busy" {
		t.Fatalf("want \"busy\", got %+v", got)
	}
}

// A text changed between copies A and C (the sequences differ although both
// are even): copy B may be torn, so the value is read again on its own.
func TestV2ChangeBetweenCopiesIsReadAgain(t *testing.T) {
	f := &writerScript{data: basicV2(t)}
	f.before = func(n int, data []byte) {
		switch n {
		case 0: // copy B sees a half-written text of length 5
			binary.LittleEndian.PutUint32(data[basicStateLen:], 5)
			copy(data[basicStateText:], "stopp")
		case 1: // copy C: the writer is done
			copy(data[basicStateText:], "stop!")
			putSeq(data, 8)
		}
	}
	got := stateValue(t, readScripted(t, f))
	if got.Null || got.Value.Str() != "stop!" || f.reads != 5 {
		t.Fatalf("want \"stop!\" after one retry (5 reads), got %+v after %d reads", got, f.reads)
	}
}

// Numbers are taken from copy B, summed over the used slots only.
func TestV2SlotsBeyondSlotsUsedAreIgnored(t *testing.T) {
	data := basicV2(t)
	const slot2 = 0x280 // http.requests in slot 2, beyond slots_used = 2
	binary.LittleEndian.PutUint64(data[slot2:], 1000)
	f, err := DecodeFile(data)
	if err != nil {
		t.Fatal(err)
	}
	if v := f.V2.Fields[0].Value.Uint(); v != 5+12 {
		t.Fatalf("http.requests = %d, want 17", v)
	}
	binary.LittleEndian.PutUint32(data[h2SlotsUsed:], 3)
	if f, err = DecodeFile(data); err != nil || f.V2.Fields[0].Value.Uint() != 5+12+1000 {
		t.Fatalf("with 3 slots used: %+v %v", f, err)
	}
}

// countYields makes v2Yield count its calls for the rest of the test.
func countYields(t *testing.T) *int {
	n := 0
	t.Cleanup(func() { v2Yield = yieldProcessor })
	v2Yield = func() { n++ }
	return &n
}

// The copy protocol gives the processor away every v2YieldEvery attempts.
func TestV2RetriesYieldEveryTenAttempts(t *testing.T) {
	yields := countYields(t)
	f := &writerScript{data: basicV2(t)}
	putSeq(f.data, 7)
	if got := stateValue(t, readScripted(t, f)); !got.Null {
		t.Fatalf("want null, got %+v", got)
	}
	if want := v2Retries / v2YieldEvery; *yields != want {
		t.Fatalf("%d yields, want %d", *yields, want)
	}
}
