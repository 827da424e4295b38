// Package scenario applies a conformance writer scenario (conformance/README.md, "Writer") with
// the public API of package mmstats: each field becomes a typed handle, each update one call.
// Version 1 scenarios are in this file, version 2 ones in v2.go; Run dispatches on
// format_version.
package scenario

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"os"
	"strconv"
	"strings"

	"mmstats.dev/writers/go/mmstats"
)

// Scenario is the part of a scenario file a writer needs.
type Scenario struct {
	ID          string          `json:"id"`
	Fields      []FieldSpec     `json:"fields"`
	Updates     []Update        `json:"updates"`
	Expect      json.RawMessage `json:"expect"`
	ExpectImage string          `json:"expect_image"`
}

// FieldSpec is one field of the scenario, in file order.
type FieldSpec struct {
	Label    string `json:"label"`
	Type     string `json:"type"`
	Buffered bool   `json:"buffered"`
}

// Update sets a field to a value in the canonical JSON encoding.
type Update struct {
	Field string          `json:"field"`
	Value json.RawMessage `json:"value"`
}

// Load reads and decodes a version 1 scenario file.
func Load(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var sc Scenario
	if err := unmarshal(data, &sc); err != nil {
		return nil, err
	}
	return &sc, nil
}

// unmarshal decodes JSON; a syntax or type error names its byte offset.
func unmarshal(data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		var syntax *json.SyntaxError
		var typ *json.UnmarshalTypeError
		// encoding/json counts the bytes read, the offending one included.
		switch {
		case errors.As(err, &syntax):
			return fmt.Errorf("offset %d: %w", syntax.Offset-1, err)
		case errors.As(err, &typ):
			return fmt.Errorf("offset %d: %w", typ.Offset-1, err)
		}
		return err
	}
	return nil
}

// Write creates out (which must not exist) with the scenario's fields and applies its
// updates. Every field and update is checked first, so a bad scenario creates nothing.
func (sc *Scenario) Write(out string) error {
	fields := make([]mmstats.Field, len(sc.Fields))
	setters := make(map[string]setter, len(sc.Fields))
	for i, fs := range sc.Fields {
		f, set, err := declare(fs)
		if err != nil {
			return err
		}
		if _, dup := setters[fs.Label]; dup {
			return fmt.Errorf("field %q: declared twice", fs.Label)
		}
		fields[i], setters[fs.Label] = f, set
	}
	apply := make([]func(), len(sc.Updates))
	for i, u := range sc.Updates {
		set, ok := setters[u.Field]
		if !ok {
			return fmt.Errorf("updates[%d]: no field %q", i, u.Field)
		}
		value, err := decodeValue(u.Value)
		if err != nil {
			return fmt.Errorf("updates[%d] (%q): %w", i, u.Field, err)
		}
		if apply[i], err = set(value); err != nil {
			return fmt.Errorf("updates[%d] (%q): %w", i, u.Field, err)
		}
	}
	s, err := mmstats.Create(mmstats.Options{Path: out, NoDefaults: true, KeepStale: true, Version: mmstats.V1}, fields...)
	if err != nil {
		return err
	}
	for _, a := range apply {
		a()
	}
	return s.Close()
}

// A setter checks a decoded JSON value against its field and returns the update.
type setter func(value any) (func(), error)

func declare(fs FieldSpec) (mmstats.Field, setter, error) {
	t, err := mmstats.V1.ParseType(fs.Type)
	if err != nil {
		return nil, nil, fmt.Errorf("field %q: %w", fs.Label, err)
	}
	buffering := mmstats.Unbuffered()
	if fs.Buffered {
		buffering = mmstats.Buffered()
	}
	switch t.Kind {
	case mmstats.KindInt8:
		return integer[int8](fs.Label, buffering)
	case mmstats.KindUint8:
		return integer[uint8](fs.Label, buffering)
	case mmstats.KindInt16:
		return integer[int16](fs.Label, buffering)
	case mmstats.KindUint16:
		return integer[uint16](fs.Label, buffering)
	case mmstats.KindInt32:
		return integer[int32](fs.Label, buffering)
	case mmstats.KindUint32:
		return integer[uint32](fs.Label, buffering)
	case mmstats.KindInt64:
		return integer[int64](fs.Label, buffering)
	case mmstats.KindUint64:
		return integer[uint64](fs.Label, buffering)
	case mmstats.KindFloat32:
		return float[float32](fs.Label, buffering)
	case mmstats.KindFloat64:
		return float[float64](fs.Label, buffering)
	case mmstats.KindBool:
		b := mmstats.NewBool(fs.Label, buffering)
		return b, func(v any) (func(), error) {
			x, ok := v.(bool)
			if !ok {
				return nil, fmt.Errorf("want true or false for type ?, got %v", v)
			}
			return func() { b.Set(x) }, nil
		}, nil
	case mmstats.KindText:
		s := mmstats.NewString(fs.Label, t.Size, buffering)
		return s, func(v any) (func(), error) {
			x, ok := v.(string)
			if !ok {
				return nil, fmt.Errorf("want a string for type %s, got %v", fs.Type, v)
			}
			return func() { s.Set(x) }, nil
		}, nil
	}
	return nil, nil, fmt.Errorf("field %q: type %q has no handle", fs.Label, fs.Type)
}

// integer takes an exact JSON integer of any size and stores it modulo 2^bits.
func integer[T mmstats.Integer](label string, buffering mmstats.FieldOption) (mmstats.Field, setter, error) {
	h := mmstats.NewInt[T](label, buffering)
	return h, func(v any) (func(), error) {
		n, ok := v.(json.Number)
		if !ok || strings.ContainsAny(string(n), ".eE") {
			return nil, fmt.Errorf("want an integer, got %v", v)
		}
		i, ok := new(big.Int).SetString(string(n), 10)
		if !ok {
			return nil, fmt.Errorf("bad integer %s", n)
		}
		low64 := new(big.Int).And(i, new(big.Int).SetUint64(math.MaxUint64)).Uint64() // two's complement
		return func() { h.Set(T(low64)) }, nil
	}, nil
}

// float takes a JSON number or "NaN", "Infinity", "-Infinity"; float32 fields round to nearest.
func float[T mmstats.Float](label string, buffering mmstats.FieldOption) (mmstats.Field, setter, error) {
	h := mmstats.NewFloat[T](label, buffering)
	return h, func(v any) (func(), error) {
		var x float64
		switch v := v.(type) {
		case json.Number:
			f, err := strconv.ParseFloat(string(v), 64)
			if err != nil && !isRange(err) { // out of range: ±Inf or ±0, correctly rounded
				return nil, fmt.Errorf("bad number %s", v)
			}
			x = f
		case string:
			switch v {
			case "NaN":
				x = quietNaN
			case "Infinity":
				x = math.Inf(1)
			case "-Infinity":
				x = math.Inf(-1)
			default:
				return nil, fmt.Errorf("want a number, \"NaN\", \"Infinity\" or \"-Infinity\", got %q", v)
			}
		default:
			return nil, fmt.Errorf("want a number, got %v", v)
		}
		return func() { h.Set(T(x)) }, nil
	}, nil
}

// quietNaN is the NaN CPython and most C libraries produce (math.NaN() sets a payload bit), so
// the files match the Python writer's byte for byte; a float32 field gets 7fc00000.
var quietNaN = math.Float64frombits(0x7ff8000000000000)

func isRange(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

func decodeValue(raw json.RawMessage) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}
