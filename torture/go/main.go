// torture-go-reader reads a torture-writer file continuously and counts torn values.
//
//	torture-go-reader MODE PATH SECONDS
//	torture-go-reader v2 MODE PATH SECONDS
//
// MODE: statsreader (mmstats.StatsReader: layout once, re-check of write
// buffers) or read (mmstats.Read: whole file, re-check). Prints one JSON
// object like torture/py_reader.py. The checks are torture/check.py's.
// Version 2 (v2.go): MODE poller (mmstats.PollerV2), mapped (mmstats.MappedPollerV2)
// or read (mmstats.ReadFile),
// the checks of torture/check_v2.py, one JSON object like torture/py_reader_v2.py.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"mmstats.dev/readers/go/mmstats"
)

type result struct {
	Reader         string         `json:"reader"`
	Reads          int            `json:"reads"`
	Values         int            `json:"values"`
	TornBuffered   int            `json:"torn_buffered"`
	TornUnbuffered int            `json:"torn_unbuffered"`
	Retries        *int           `json:"retries"`
	Errors         map[string]int `json:"errors"`
	Example        *string        `json:"example"`
	TornFields     map[string]int `json:"torn_fields"`
	Seconds        float64        `json:"seconds"`
}

// fits: is v a value torture-writer stored (or the initial zero)?
func fits(typ string, v mmstats.Value) bool {
	switch typ {
	case "Q":
		u := v.Uint()
		return u>>32 == u&0xffffffff
	case "I":
		u := v.Uint()
		return u>>16 == u&0xffff
	case "H":
		u := v.Uint()
		return u>>8 == u&0xff
	case "d":
		b := math.Float64bits(v.Float())
		return b == 0 || (b>>52 == 0x3ff && (b>>32)&0xfffff == b&0xfffff && (b>>20)&0xfff == 0)
	case "f":
		b := uint64(math.Float32bits(float32(v.Float())))
		return b == 0 || (b>>23 == 0x7f && (b>>12)&0x7ff == b&0x7ff && (b>>11)&1 == 0)
	case "16s":
		s := v.Str()
		if s == "" {
			return true
		}
		if len(s) != 16 || s[:8] != s[8:] {
			return false
		}
		for _, c := range s {
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				return false
			}
		}
		return true
	}
	return false
}

type field struct {
	label, typ string
	buffered   bool
	value      mmstats.Value
}

// twice reads path with one StatsReader, prints its labels, waits for a line on stdin, reads again
// and prints the labels (or the error code): the in-place rewrite test of tests/test_reliability_files.py.
func twice(path string) {
	r := mmstats.NewStatsReader(path, mmstats.DefaultMaxSize)
	in := bufio.NewReader(os.Stdin)
	for round := 0; round < 2; round++ {
		if round == 1 {
			if _, err := in.ReadString('\n'); err != nil {
				return
			}
		}
		out := map[string]any{}
		if _, err := r.Read(); err != nil {
			var fe *mmstats.FormatError
			if errors.As(err, &fe) {
				out["error"] = fe.Code
			} else {
				out["error"] = err.Error()
			}
		} else {
			layout, _ := r.Layout()
			labels := []string{}
			for _, f := range layout.Fields {
				labels = append(labels, f.Label)
			}
			out["labels"] = labels
		}
		b, _ := json.Marshal(out)
		fmt.Println(string(b))
	}
}

func main() {
	if len(os.Args) == 3 && os.Args[1] == "twice" {
		twice(os.Args[2])
		return
	}
	if len(os.Args) == 5 && os.Args[1] == "v2" {
		seconds, err := strconv.ParseFloat(os.Args[4], 64)
		if err == nil {
			err = runV2(os.Args[2], os.Args[3], seconds)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		return
	}
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: torture-go-reader statsreader|read PATH SECONDS")
		fmt.Fprintln(os.Stderr, "       torture-go-reader v2 poller|mapped|read PATH SECONDS")
		os.Exit(2)
	}
	mode, path := os.Args[1], os.Args[2]
	seconds, err := strconv.ParseFloat(os.Args[3], 64)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	out := result{Reader: "go-" + mode, Errors: map[string]int{}, TornFields: map[string]int{}, Seconds: seconds}
	var fields []field
	var one func() error
	switch mode {
	case "statsreader":
		r := mmstats.NewStatsReader(path, mmstats.DefaultMaxSize)
		one = func() error {
			vals, err := r.Read()
			if err != nil {
				return err
			}
			layout, _ := r.Layout()
			fields = fields[:0]
			for i, v := range vals {
				f := layout.Fields[i]
				fields = append(fields, field{f.Label, f.Spec.Code, f.Buffered, v})
			}
			return nil
		}
	case "read":
		one = func() error {
			got, err := mmstats.Read(path, mmstats.DefaultMaxSize)
			if err != nil {
				return err
			}
			fields = fields[:0]
			for _, f := range got {
				fields = append(fields, field{f.Label, f.Type, f.Buffered, f.Value})
			}
			return nil
		}
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", mode)
		os.Exit(2)
	}
	end := time.Now().Add(time.Duration(seconds * float64(time.Second)))
	for time.Now().Before(end) {
		if err := one(); err != nil {
			var fe *mmstats.FormatError
			key := "io"
			if errors.As(err, &fe) {
				key = fe.Code
			}
			out.Errors[key]++
			continue
		}
		out.Reads++
		for _, f := range fields {
			if f.label == "sys.pid" {
				continue
			}
			out.Values++
			if !fits(f.typ, f.value) {
				out.TornFields[strings.TrimRight(f.label, "-")]++
				if f.buffered {
					out.TornBuffered++
					if out.Example == nil {
						s := fmt.Sprintf("%s: %v", f.label, f.value.Interface())
						out.Example = &s
					}
				} else {
					out.TornUnbuffered++
				}
			}
		}
	}
	b, _ := json.Marshal(out)
	fmt.Println(string(b))
}
