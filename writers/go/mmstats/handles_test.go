package mmstats_test

import (
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mmstats.dev/writers/go/mmstats"
)

func TestCreateRefusesWhatReadersCannotRead(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]struct {
		opts   mmstats.Options
		fields []mmstats.Field
		want   error
	}{
		"over the size limit": {fields: []mmstats.Field{mmstats.NewString("big", mmstats.MaxFileSize)}, want: mmstats.ErrFileTooLarge},
		"empty label":         {fields: []mmstats.Field{mmstats.NewCounter("")}, want: mmstats.ErrBadLabel},
		"label too long":      {fields: []mmstats.Field{mmstats.NewCounter(strings.Repeat("a", 65536))}, want: mmstats.ErrBadLabel},
		"ill-formed label":    {fields: []mmstats.Field{mmstats.NewCounter("\xff")}, want: mmstats.ErrBadLabel},
		"prefix makes it too long": {opts: mmstats.Options{Prefix: strings.Repeat("p", 65535)},
			fields: []mmstats.Field{mmstats.NewCounter("a")}, want: mmstats.ErrBadLabel},
		"label twice":          {fields: []mmstats.Field{mmstats.NewCounter("a"), mmstats.NewGauge("a")}, want: mmstats.ErrDuplicateLabel},
		"clash with a default": {fields: []mmstats.Field{mmstats.NewCounter("sys.pid")}, want: mmstats.ErrDuplicateLabel},
		"unknown version":      {opts: mmstats.Options{Version: 9}, want: mmstats.ErrBadVersion},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			c.opts.Path = filepath.Join(dir, "x.mmstats")
			if c.opts.Version == 0 {
				c.opts.Version = mmstats.V1
			}
			_, err := mmstats.Create(c.opts, c.fields...)
			if !errors.Is(err, c.want) {
				t.Fatalf("want %v, got %v", c.want, err)
			}
			if _, err := os.Lstat(c.opts.Path); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("a file was created: %v", err)
			}
		})
	}
}

func TestUpdatesWrapAndRound(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.mmstats")
	i8 := mmstats.NewInt[int8]("i8")
	u16 := mmstats.NewInt[uint16]("u16")
	q := mmstats.NewInt[int64]("q")
	f := mmstats.NewFloat[float32]("f")
	g := mmstats.NewGauge("g")
	b := mmstats.NewBool("b", mmstats.Buffered())
	text := mmstats.NewString("text", 5)
	s, err := mmstats.Create(mmstats.Options{Version: mmstats.V1, Path: path, NoDefaults: true}, i8, u16, q, f, g, b, text)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	i8.Set(127)
	i8.Inc()
	u16.Sub(1)
	q.Set(math.MinInt64)
	q.Sub(1)
	f.Set(float32(0.1))
	f.Add(float32(math.MaxFloat32)) // rounds back to MaxFloat32
	g.Set(1)
	g.Add(0.5)
	b.Set(true)
	text.Set("ab✓✓")  // 8 bytes: cut to "ab✓"
	text.Set("\xffz") // ill-formed: U+FFFD then z
	want := map[string]string{"i8": "-128", "u16": "65535", "q": "9223372036854775807",
		"f": "3.4028234663852886e+38", "g": "1.5", "b": "true", "text": `"\ufffdz"`}
	got := decoded(t, path)
	for k, v := range want {
		if got[k] != v && !(k == "text" && got[k] == `"�z"`) {
			t.Errorf("%s = %s, want %s", k, got[k], v)
		}
	}
	if i8.Load() != -128 || u16.Load() != 65535 || f.Load() != math.MaxFloat32 || g.Load() != 1.5 || !b.Load() || text.Load() != "\uFFFDz" {
		t.Errorf("Load: %d %d %g %g %v %q", i8.Load(), u16.Load(), f.Load(), g.Load(), b.Load(), text.Load())
	}
	text.Set("ab✓✓")
	if text.Load() != "ab✓" {
		t.Errorf("cut: %q", text.Load())
	}
}
