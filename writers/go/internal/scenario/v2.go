package scenario

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"

	"mmstats.dev/writers/go/mmstats"
)

// V2 is a version 2 writer scenario (conformance/README.md, "Writer"): capacities, fields with
// kind, value type, unit, help and attributes, and updates by field index.
type V2 struct {
	ID         string          `json:"id"`
	Capacities Capacities      `json:"capacities"`
	Fields     []V2Field       `json:"fields"`
	Updates    []V2Update      `json:"updates"`
	Expect     json.RawMessage `json:"expect"`
}

// Capacities are the sizes the file is created with, exactly.
type Capacities struct {
	Meta    int `json:"meta_capacity"`
	Process int `json:"process_capacity"`
	Slot    int `json:"slot_size"`
	Slots   int `json:"slot_count"`
}

// V2Field is one field, added in order.
type V2Field struct {
	Label      string            `json:"label"`
	Kind       string            `json:"kind"`
	Type       string            `json:"type"`
	Unit       string            `json:"unit"`
	Help       string            `json:"help"`
	Attributes map[string]string `json:"attributes"`
	Bounds     []float64         `json:"bounds"`
	Capacity   *int              `json:"capacity"`
	Value      json.RawMessage   `json:"value"`
}

// V2Update is one add, set or observe of the field at index Field.
type V2Update struct {
	Field int             `json:"field"`
	Op    string          `json:"op"`
	Value json.RawMessage `json:"value"`
}

// FormatVersion is the scenario's format_version (1 when absent).
func FormatVersion(data []byte) (int, error) {
	var head struct {
		FormatVersion *int `json:"format_version"`
	}
	if err := unmarshal(data, &head); err != nil {
		return 0, err
	}
	if head.FormatVersion == nil {
		return 1, nil
	}
	return *head.FormatVersion, nil
}

// Run writes the scenario at path, of either version, into out.
func Run(path, out string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	v, err := FormatVersion(data)
	if err != nil {
		return err
	}
	switch v {
	case 1:
		var sc Scenario
		if err := unmarshal(data, &sc); err != nil {
			return err
		}
		return sc.Write(out)
	case 2:
		var sc V2
		if err := unmarshal(data, &sc); err != nil {
			return err
		}
		return sc.Write(out)
	}
	return fmt.Errorf("format_version %d: this writer writes 1 and 2", v)
}

// LoadV2 reads a version 2 scenario file.
func LoadV2(path string) (*V2, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var sc V2
	if err := unmarshal(data, &sc); err != nil {
		return nil, err
	}
	return &sc, nil
}

// Write creates out (which must not exist) with the capacities, adds the fields in order
// (a field the file has no room for is counted in overflow_count and its updates reach no
// file), applies the updates from one goroutine through one writer slot, then closes the file
// and keeps it. Every field and update is decoded first, so a bad scenario creates nothing.
func (sc *V2) Write(out string) (err error) {
	ops := make([]func(w *mmstats.Slot), len(sc.Updates))
	adders := make([]func(s *mmstats.Stats) updater, len(sc.Fields))
	for i, f := range sc.Fields {
		if adders[i], err = f.adder(); err != nil {
			return fmt.Errorf("fields[%d] (%q): %w", i, f.Label, err)
		}
	}
	s, err := mmstats.Create(mmstats.Options{Path: out, KeepStale: true, Keep: true,
		MetaCapacity: sc.Capacities.Meta, ProcessCapacity: sc.Capacities.Process,
		SlotSize: sc.Capacities.Slot, SlotCount: sc.Capacities.Slots})
	if err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil { // a declaration the format cannot hold
			err = fmt.Errorf("%v", p)
		}
		if err != nil {
			s.Remove()
			return
		}
		err = s.Close()
	}()
	handles := make([]updater, len(sc.Fields))
	for i, add := range adders {
		handles[i] = add(s)
	}
	for i, u := range sc.Updates {
		if u.Field < 0 || u.Field >= len(handles) || handles[u.Field] == nil {
			return fmt.Errorf("updates[%d]: no field %d that takes updates", i, u.Field)
		}
		if ops[i], err = handles[u.Field](u.Op, u.Value); err != nil {
			return fmt.Errorf("updates[%d] (field %d): %w", i, u.Field, err)
		}
	}
	w := s.Slot()
	defer w.Release()
	for _, op := range ops {
		op(w)
	}
	return nil
}

// updater checks an update's op and value against its field and returns the update.
type updater func(op string, value json.RawMessage) (func(w *mmstats.Slot), error)

// adder checks the field and returns what adds it to a file.
func (f V2Field) adder() (func(s *mmstats.Stats) updater, error) {
	opts := []mmstats.Option{mmstats.Help(f.Help), mmstats.Unit(f.Unit)}
	keys := make([]string, 0, len(f.Attributes))
	for k := range f.Attributes {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		opts = append(opts, mmstats.Attr(k, f.Attributes[k]))
	}
	if f.Capacity != nil {
		opts = append(opts, mmstats.Capacity(*f.Capacity))
	}
	name := f.Label
	switch f.Kind + " " + f.Type {
	case "counter u64":
		return func(s *mmstats.Stats) updater {
			c := s.Counter(name, opts...)
			return op("add", decodeU64, func(w *mmstats.Slot, n uint64) { c.In(w).Add(n) })
		}, nil
	case "counter f64":
		return func(s *mmstats.Stats) updater {
			c := s.FloatCounter(name, opts...)
			return op("add", decodeF64, func(w *mmstats.Slot, x float64) { c.In(w).Add(x) })
		}, nil
	case "updown_counter i64":
		return func(s *mmstats.Stats) updater {
			c := s.UpDownCounter(name, opts...)
			return op("add", decodeI64, func(w *mmstats.Slot, n int64) { c.In(w).Add(n) })
		}, nil
	case "updown_counter f64":
		return func(s *mmstats.Stats) updater {
			c := s.FloatUpDownCounter(name, opts...)
			return op("add", decodeF64, func(w *mmstats.Slot, x float64) { c.In(w).Add(x) })
		}, nil
	case "gauge f64":
		return func(s *mmstats.Stats) updater {
			g := s.Gauge(name, opts...)
			return op("set", decodeF64, func(_ *mmstats.Slot, x float64) { g.Set(x) })
		}, nil
	case "gauge i64":
		return func(s *mmstats.Stats) updater {
			g := s.IntGauge(name, opts...)
			return op("set", decodeI64, func(_ *mmstats.Slot, n int64) { g.Set(n) })
		}, nil
	case "gauge u64":
		return func(s *mmstats.Stats) updater {
			g := s.UintGauge(name, opts...)
			return op("set", decodeU64, func(_ *mmstats.Slot, n uint64) { g.Set(n) })
		}, nil
	case "string utf8":
		initial := ""
		if len(f.Value) > 0 {
			var err error
			if initial, err = decodeText(f.Value); err != nil {
				return nil, err
			}
		}
		opts = append(opts, mmstats.InitialText(initial))
		return func(s *mmstats.Stats) updater {
			t := s.String(name, opts...)
			return op("set", decodeText, func(_ *mmstats.Slot, text string) { t.Set(text) })
		}, nil
	case "histogram f64":
		return func(s *mmstats.Stats) updater {
			h := s.Histogram(name, f.Bounds, opts...)
			return op("observe", decodeF64, func(w *mmstats.Slot, x float64) { h.In(w).Observe(x) })
		}, nil
	}
	if f.Kind == "constant" {
		return f.constant(name, opts)
	}
	return nil, fmt.Errorf("kind %q with value type %q: no such field", f.Kind, f.Type)
}

// constant decodes the constant's value; it takes no updates.
func (f V2Field) constant(name string, opts []mmstats.Option) (func(s *mmstats.Stats) updater, error) {
	var add func(s *mmstats.Stats)
	switch f.Type {
	case "u64":
		v, err := decodeU64(f.Value)
		add = func(s *mmstats.Stats) { s.ConstantUint(name, v, opts...) }
		if err != nil {
			return nil, err
		}
	case "i64":
		v, err := decodeI64(f.Value)
		add = func(s *mmstats.Stats) { s.ConstantInt(name, v, opts...) }
		if err != nil {
			return nil, err
		}
	case "f64":
		v, err := decodeF64(f.Value)
		add = func(s *mmstats.Stats) { s.ConstantFloat(name, v, opts...) }
		if err != nil {
			return nil, err
		}
	case "utf8":
		v, err := decodeText(f.Value)
		add = func(s *mmstats.Stats) { s.ConstantString(name, v, opts...) }
		if err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("a constant of value type %q: no such field", f.Type)
	}
	return func(s *mmstats.Stats) updater { add(s); return nil }, nil
}

// op makes the updater of a field that takes one operation on values decoded by decode.
func op[T any](want string, decode func(json.RawMessage) (T, error), apply func(*mmstats.Slot, T)) updater {
	return func(name string, raw json.RawMessage) (func(*mmstats.Slot), error) {
		if name != want {
			return nil, fmt.Errorf("op %q: this field takes %q", name, want)
		}
		v, err := decode(raw)
		if err != nil {
			return nil, err
		}
		return func(w *mmstats.Slot) { apply(w, v) }, nil
	}
}

func decodeU64(raw json.RawMessage) (uint64, error) {
	n, err := strconv.ParseUint(string(raw), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("want an integer 0 to 2^64-1, got %s", raw)
	}
	return n, nil
}

func decodeI64(raw json.RawMessage) (int64, error) {
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("want an integer -2^63 to 2^63-1, got %s", raw)
	}
	return n, nil
}

// decodeF64 takes a JSON number or "NaN", "Infinity", "-Infinity".
func decodeF64(raw json.RawMessage) (float64, error) {
	var text string
	if json.Unmarshal(raw, &text) == nil {
		switch text {
		case "NaN":
			return quietNaN, nil
		case "Infinity":
			return math.Inf(1), nil
		case "-Infinity":
			return math.Inf(-1), nil
		}
		return 0, fmt.Errorf("want a number, \"NaN\", \"Infinity\" or \"-Infinity\", got %s", raw)
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return 0, fmt.Errorf("want a number, got %s", raw)
	}
	x, err := strconv.ParseFloat(string(n), 64)
	if err != nil && !isRange(err) {
		return 0, fmt.Errorf("bad number %s", raw)
	}
	return x, nil
}

func decodeText(raw json.RawMessage) (string, error) {
	var text string
	if err := json.Unmarshal(raw, &text); err != nil {
		return "", errors.New("want a string, got " + string(raw))
	}
	return text, nil
}
