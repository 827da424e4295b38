// The version 2 torture: the checks of torture/check_v2.py, on PollerV2, MappedPollerV2 and ReadFile.

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"mmstats.dev/readers/go/mmstats"
)

const (
	k2        = 1<<32 + 1
	maxWraps  = 1024
	maxUpdown = 64
)

var kinds = []string{"counter", "updown_counter", "gauge", "string", "histogram"}

type resultV2 struct {
	Reader     string         `json:"reader"`
	Reads      int            `json:"reads"`
	Values     int            `json:"values"`
	Checked    map[string]int `json:"checked"`
	Torn       int            `json:"torn"`
	Nulls      int            `json:"nulls"`
	Errors     map[string]int `json:"errors"`
	Example    *string        `json:"example"`
	TornFields map[string]int `json:"torn_fields"`
	Seconds    float64        `json:"seconds"`
}

type checker struct {
	out  resultV2
	last map[string]uint64
}

func fitsString(s string) bool {
	if s == "" {
		return true
	}
	digits, _, _ := strings.Cut(s, "/")
	k, err := strconv.ParseUint(digits, 10, 64)
	if digits == "" || err != nil || strings.TrimLeft(digits, "0123456789") != "" {
		return false
	}
	return s == strings.Repeat(digits+"/", int(1+k%7))
}

func (c *checker) monotone(label string, n uint64) bool {
	ok := n >= c.last[label]
	c.last[label] = n
	return ok
}

func (c *checker) fits(f *mmstats.FieldV2) bool {
	v := f.Value
	switch {
	case f.Kind == "counter" && f.Type == "u64":
		u := v.Uint()
		wraps := (u>>32 - u&0xffffffff) & 0xffffffff
		return wraps < maxWraps && c.monotone(f.Label, wraps<<32|u&0xffffffff)
	case f.Kind == "updown_counter" && f.Type == "i64":
		i := v.Int()
		return i%k2 == 0 && i/k2 <= maxUpdown && i/k2 >= -maxUpdown
	case f.Kind == "gauge" && f.Type == "u64":
		u := v.Uint()
		return u>>32 == u&0xffffffff
	case f.Kind == "gauge" && f.Type == "f64":
		b := math.Float64bits(v.Float())
		return b == 0 || (b>>52 == 0x3ff && (b>>32)&0xfffff == b&0xfffff && (b>>20)&0xfff == 0)
	case f.Kind == "string":
		return fitsString(v.Str())
	case f.Kind == "histogram":
		h := f.Histogram
		b := h.Counts // per bucket, not cumulative
		if len(b) != 4 || b[3] != 0 || h.Sum != 0.5*float64(b[0])+2*float64(b[1])+3*float64(b[2]) {
			return false
		}
		return c.monotone(f.Label, b[0]+b[1]+b[2])
	}
	return false
}

func (c *checker) check(f *mmstats.FieldV2) {
	if _, known := c.out.Checked[f.Kind]; !known {
		return
	}
	if f.Null {
		c.out.Nulls++
		return
	}
	c.out.Checked[f.Kind]++
	c.out.Values++
	if !c.fits(f) {
		c.out.Torn++
		c.out.TornFields[f.Label]++
		if c.out.Example == nil {
			s := fmt.Sprintf("%s: %v %+v", f.Label, f.Value.Interface(), f.Histogram)
			c.out.Example = &s
		}
	}
}

// runV2 reads path for seconds with mode "poller" (PollerV2), "mapped" (MappedPollerV2) or "read"
// (ReadFile) and prints the result.
func runV2(mode, path string, seconds float64) error {
	c := checker{last: map[string]uint64{}, out: resultV2{Reader: "go-" + mode, Checked: map[string]int{},
		Errors: map[string]int{}, TornFields: map[string]int{}, Seconds: seconds}}
	for _, k := range kinds {
		c.out.Checked[k] = 0
	}
	var one func() (*mmstats.FileV2, error)
	switch mode {
	case "poller":
		p := mmstats.NewPollerV2(path, mmstats.DefaultMaxSize)
		defer p.Close()
		one = p.Read
	case "mapped":
		p := mmstats.NewMappedPollerV2(path, mmstats.DefaultMaxSize)
		defer p.Close()
		one = p.Read
	case "read":
		one = func() (*mmstats.FileV2, error) {
			f, err := mmstats.ReadFile(path, mmstats.DefaultMaxSize)
			if err == nil && f.V2 == nil {
				return nil, errors.New("not a version 2 file")
			}
			if err != nil {
				return nil, err
			}
			return f.V2, nil
		}
	default:
		return fmt.Errorf("unknown mode %s", mode)
	}
	end := time.Now().Add(time.Duration(seconds * float64(time.Second)))
	for time.Now().Before(end) {
		f, err := one()
		if err != nil {
			var fe *mmstats.FormatError
			key := "io"
			if errors.As(err, &fe) {
				key = fe.Code
			}
			c.out.Errors[key]++
			continue
		}
		c.out.Reads++
		for i := range f.Fields {
			c.check(&f.Fields[i])
		}
	}
	b, _ := json.Marshal(c.out)
	fmt.Println(string(b))
	return nil
}
