package mmstats_test

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mmstats.dev/writers/go/internal/testutil"
	"mmstats.dev/writers/go/mmstats"
)

// create makes a file of fields at a new path without default fields, runs updates, closes it
// and returns its bytes.
func create(t *testing.T, updates func(), fields ...mmstats.Field) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "f.mmstats")
	s, err := mmstats.Create(mmstats.Options{Version: mmstats.V1, Path: path, NoDefaults: true}, fields...)
	if err != nil {
		t.Fatal(err)
	}
	updates()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// sameAs compares data with a corpus file byte for byte.
func sameAs(t *testing.T, rel string, data []byte) {
	t.Helper()
	want, err := os.ReadFile(testutil.Conformance(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	if at := testutil.FirstDifference(want, data); at >= 0 {
		t.Fatalf("%s: differs at offset %d (%d and %d bytes)", rel, at, len(want), len(data))
	}
}

// The hex examples of spec/v1.md (extracted into conformance/valid/spec/), written through the
// API: every byte, stale buffers included, comes out as the spec shows it.
func TestSpecExamples(t *testing.T) {
	t.Run("example-mixed-buffering", func(t *testing.T) {
		requests := mmstats.NewCounter("requests")
		up := mmstats.NewBool("up")
		load := mmstats.NewGauge("load")
		temp := mmstats.NewInt[int16]("temp", mmstats.Unbuffered())
		data := create(t, func() {
			for _, v := range []uint64{3, 6, 9, 13, 18} { // five updates: wb 1, value[0] 18, value[1] 13
				requests.Set(v)
			}
			up.Set(true)
			load.Set(0.5)
			load.Set(0.75)
			temp.Set(-40)
		}, requests, up, load, temp)
		sameAs(t, "valid/spec/example-mixed-buffering.mmstats", data)
	})
	t.Run("example-strings", func(t *testing.T) {
		name := mmstats.NewString("name", 12, mmstats.Unbuffered())
		city := mmstats.NewString("city", 16, mmstats.Unbuffered())
		code := mmstats.NewString("code", 4, mmstats.Unbuffered())
		state := mmstats.NewString("state", 3)
		temp := mmstats.StaticFloat("temp.°C", 21.5)
		data := create(t, func() {
			name.Set("a longer one")
			name.Set("short")
			city.Set("Zürich ✓")
			code.Set("ABCD")
			state.Set("old")
			state.Set("new")
		}, temp, name, city, code, mmstats.NewString("empty", 0, mmstats.Unbuffered()), state)
		sameAs(t, "valid/spec/example-strings.mmstats", data)
	})
	t.Run("label-size-256", func(t *testing.T) {
		data := create(t, func() {}, mmstats.StaticInt(strings.Repeat("L", 256), uint8(7)))
		sameAs(t, "valid/spec/label-size-256.mmstats", data)
	})
	t.Run("file-exact-page", func(t *testing.T) {
		data := create(t, func() {}, mmstats.StaticString("pad", 4082, "end"))
		sameAs(t, "valid/spec/file-exact-page.mmstats", data)
	})
	t.Run("file-lone-zero-byte", func(t *testing.T) {
		data := create(t, func() {}, mmstats.StaticString("pad", 4081, "lone"))
		sameAs(t, "valid/spec/file-lone-zero-byte.mmstats", data)
	})
	t.Run("canonical-ill-formed-utf8", func(t *testing.T) {
		bad := mmstats.NewString("bad", 13, mmstats.Unbuffered())
		stale := mmstats.NewString("stale", 6, mmstats.Unbuffered())
		data := create(t, func() {
			bad.SetBytes([]byte{0x61, 0xf1, 0x80, 0x80, 0xe1, 0x80, 0xc2, 0x62, 0x80, 0x63, 0x80, 0xbf, 0x64})
			stale.SetBytes([]byte{'o', 'k', 0, 0xff, 0xfe, 0x80})
		}, bad, stale)
		sameAs(t, "valid/spec/canonical-ill-formed-utf8.mmstats", data)
	})
	t.Run("canonical-numbers-but-the-bool", func(t *testing.T) {
		// The spec's file stores 02 in its bool; this writer stores 01 for true (a SHOULD), so
		// the last record is compared apart.
		data := create(t, func() {},
			mmstats.StaticFloat("f32", float32(0.1)),
			mmstats.StaticFloat("nan", math.Float64frombits(0xfff8000000000000)),
			mmstats.StaticFloat("ninf", float32(math.Inf(-1))),
			mmstats.StaticFloat("negzero", math.Copysign(0, -1)),
			mmstats.StaticInt("u64", uint64(math.MaxUint64)),
			mmstats.StaticInt("i8", int8(-100)),
			mmstats.StaticInt("flags", uint8(255)),
			mmstats.StaticBool("bool", true))
		want, err := os.ReadFile(testutil.Conformance(t, "valid/spec/canonical-numbers.mmstats"))
		if err != nil {
			t.Fatal(err)
		}
		const boolValue = 0x72
		if want[boolValue] != 2 || data[boolValue] != 1 {
			t.Fatalf("bool byte: spec %#x, ours %#x", want[boolValue], data[boolValue])
		}
		data[boolValue] = 2
		if at := testutil.FirstDifference(want, data); at >= 0 {
			t.Fatalf("differs at offset %d", at)
		}
	})
}
