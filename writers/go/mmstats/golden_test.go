package mmstats_test

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mmstats.dev/writers/go/internal/testutil"
	"mmstats.dev/writers/go/mmstats"
)

// The files mmstats 0.8 wrote (conformance/golden/mmstats-0.8/), for every scenario without
// process-specific default values: the same fields and the same updates give the same bytes.
// The files with default fields hold another process's pid, tid and time, so they cannot be
// reproduced byte for byte.

func golden(t *testing.T, name, prefix string, updates func(), fields ...mmstats.Field) {
	t.Helper()
	want, err := os.ReadFile(testutil.Conformance(t, "golden/mmstats-0.8/"+name+".mmstats"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name+".mmstats")
	s, err := mmstats.Create(mmstats.Options{Version: mmstats.V1, Path: path, Prefix: prefix, NoDefaults: true}, fields...)
	if err != nil {
		t.Fatal(err)
	}
	updates()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if at := testutil.FirstDifference(want, got); at >= 0 {
		t.Fatalf("%s: differs from 0.8's file at offset %d (%d and %d bytes)", name, at, len(want), len(got))
	}
}

// goldenLabels are the labels of a golden file, in file order, from its JSON.
func goldenLabels(t *testing.T, name string) []string {
	data, err := os.ReadFile(testutil.Conformance(t, "golden/mmstats-0.8/"+name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Fields []struct{ Label string } }
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	labels := make([]string, len(doc.Fields))
	for i, f := range doc.Fields {
		labels[i] = f.Label
	}
	return labels
}

func TestGolden08(t *testing.T) {
	t.Run("base-model", func(t *testing.T) {
		hits := mmstats.NewCounter("bare.hits")
		ratio := mmstats.NewGauge("bare.ratio")
		golden(t, "base-model", "", func() {
			hits.Add(3)
			ratio.Set(0.75)
		}, hits, mmstats.StaticString("bare.name", 256, "no defaults"), ratio)
	})
	t.Run("write-buffer", func(t *testing.T) {
		never, once := mmstats.NewInt[uint32]("wb.never"), mmstats.NewInt[uint32]("wb.once")
		odd, even := mmstats.NewInt[uint32]("wb.odd"), mmstats.NewInt[uint32]("wb.even")
		codd, ceven := mmstats.NewCounter("wb.counter.odd"), mmstats.NewCounter("wb.counter.even")
		golden(t, "write-buffer", "", func() {
			once.Set(11)
			for _, v := range []uint32{21, 22, 23} {
				odd.Set(v)
			}
			for _, v := range []uint32{31, 32, 33, 34} {
				even.Set(v)
			}
			for i := 0; i < 5; i++ {
				codd.Inc()
			}
			for i := 0; i < 6; i++ {
				ceven.Inc()
			}
		}, never, once, odd, even, codd, ceven)
	})
	t.Run("exact-page", func(t *testing.T) {
		c := mmstats.NewCounter("c")
		x := mmstats.NewString("x", 4000, mmstats.Unbuffered())
		y := mmstats.NewString("y", 52, mmstats.Unbuffered())
		golden(t, "exact-page", "", func() {
			c.Add(7)
			x.Set(strings.Repeat("X", 4000))
			y.Set("the last field ends exactly at byte 4096")
		}, c, x, y)
	})
	t.Run("wraparound", func(t *testing.T) {
		counter := mmstats.NewCounter("wrap.counter")
		u32 := mmstats.NewInt[uint32]("wrap.u32")
		i16 := mmstats.NewInt[int16]("wrap.i16")
		u16 := mmstats.NewInt[uint16]("wrap.u16")
		i8 := mmstats.NewInt[int8]("wrap.i8", mmstats.Unbuffered())
		golden(t, "wraparound", "", func() {
			counter.Add(10)
			counter.Sub(11)
			u32.Sub(1) // from 0
			big, small, tiny := 40000, -2, 200
			i16.Set(int16(big))
			u16.Set(uint16(small))
			i8.Set(int8(tiny))
		}, counter, u32, i16, u16, i8)
	})
	t.Run("labels", func(t *testing.T) {
		labels := goldenLabels(t, "labels")
		if len(labels) != 7 {
			t.Fatalf("want 7 labels, got %d", len(labels))
		}
		unprefixed := make([]string, len(labels))
		for i, l := range labels {
			unprefixed[i] = l[len("p."):]
		}
		a, b := mmstats.NewInt[uint32](unprefixed[0]), mmstats.NewInt[uint32](unprefixed[1])
		flag := mmstats.NewBool(unprefixed[2])
		temp := mmstats.NewGauge(unprefixed[3])
		l255, l256 := mmstats.NewInt[uint32](unprefixed[4]), mmstats.NewInt[uint32](unprefixed[5])
		l512 := mmstats.NewInt[int8](unprefixed[6], mmstats.Unbuffered())
		flag.Set(true) // before Create: the initial value, as 0.8's initial=True
		golden(t, "labels", "p.", func() {
			a.Set(1)
			b.Set(2)
			temp.Set(21.5)
			l255.Set(255)
			l256.Set(256)
			l512.Set(5)
		}, a, b, flag, temp, l255, l256, l512)
		if n := []int{len(labels[4]), len(labels[5]), len(labels[6])}; n[0] != 255 || n[1] != 256 || n[2] != 512 {
			t.Fatalf("label sizes %v", n)
		}
	})
	t.Run("special-floats", func(t *testing.T) {
		// CPython 3 packs NaN as 7ff8... (f: 7fc00000); 0.8's negated NaN has the sign bit set.
		nan64 := math.Float64frombits(0x7ff8000000000000)
		nan32 := math.Float32frombits(0x7fc00000)
		f32 := func(label string) *mmstats.FloatField[float32] { return mmstats.NewFloat[float32](label) }
		f64 := func(label string) *mmstats.FloatField[float64] { return mmstats.NewFloat[float64](label) }
		fnan, finf, fninf, fden := f32("f32.nan"), f32("f32.inf"), f32("f32.ninf"), f32("f32.denormal")
		dnan, dnegnan, fnegnan := f64("f64.nan"), f64("f64.negnan"), f32("f32.negnan")
		dinf, dninf, dnegzero, dmax, dden := f64("f64.inf"), f64("f64.ninf"), f64("f64.negzero"), f64("f64.max"), f64("f64.denormal")
		golden(t, "special-floats", "", func() {
			fnan.Set(nan32)
			finf.Set(float32(math.Inf(1)))
			fninf.Set(float32(math.Inf(-1)))
			fden.Set(math.Float32frombits(1))
			dnan.Set(nan64)
			dnegnan.Set(-nan64)
			fnegnan.Set(-nan32)
			dinf.Set(math.Inf(1))
			dninf.Set(math.Inf(-1))
			dnegzero.Set(math.Copysign(0, -1))
			dmax.Set(math.MaxFloat64)
			dden.Set(5e-324)
		}, fnan, finf, fninf, fden, dnan, dnegnan, fnegnan, dinf, dninf, dnegzero, dmax, dden,
			mmstats.StaticFloat("f64.static.nan", nan64), mmstats.StaticFloat("f32.static.ninf", float32(math.Inf(-1))))
	})
	t.Run("string-size-zero", func(t *testing.T) {
		zero := mmstats.NewString("str.zero", 0, mmstats.Unbuffered())
		after := mmstats.NewInt[uint32]("after")
		golden(t, "string-size-zero", "", func() {
			zero.Set("anything") // no bytes to store
			after.Set(99)
		}, zero, after)
	})
	t.Run("string-invalid-utf8", func(t *testing.T) {
		cutBytes := mmstats.NewString("str.cut_bytes", 8, mmstats.Unbuffered())
		cutText := mmstats.NewString("str.cut_text", 8, mmstats.Unbuffered())
		golden(t, "string-invalid-utf8", "", func() {
			cutBytes.SetBytes([]byte("abcdef€")) // cut blindly inside the euro sign
			cutText.Set("abcdef€")               // cut before it
		}, cutBytes, cutText)
	})
}
