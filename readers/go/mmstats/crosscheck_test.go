package mmstats

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The Python reference (mmstats_format) judges the same bytes: every problem
// list must match code for code and offset for offset, and every valid
// file must decode to the same canonical values. Needs the repository's
// .venv (`make setup`); `go test -short` leaves this test out.
const crosscheckPy = `
import json, struct, sys
import mmstats_format as m
inp, out = sys.stdin.buffer, sys.stdout
while True:
    head = inp.read(4)
    if not head:
        break
    data = inp.read(struct.unpack("<I", head)[0])
    errs = m.validate_bytes(data).errors
    rec = {"errors": [[e.code, e.offset] for e in errs]}
    if not errs:
        rec["canonical"] = m.to_canonical("x", m.decode_bytes(data))
    out.write(m.dumps(rec) + "\n")
`

// mutants derives files from valid ones: cuts, changed bytes (mostly in
// record headers, where they matter), inserted and removed bytes.
func mutants(t *testing.T, rng *rand.Rand) [][]byte {
	var cases [][]byte
	for _, c := range errorCases {
		cases = append(cases, c.data)
	}
	for _, path := range interopFiles(t) {
		if strings.Contains(path, "cpython2.7") {
			continue // same records as the top folder, other order
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		fields, _ := Scan(data)
		var hot []int // header bytes: label size, type size, type, write buffer, terminator
		for _, f := range fields {
			for i := f.Offset; i < f.ValueOffset; i++ {
				if i < f.Offset+2 || i >= f.WriteBufferOffset-len(f.Type)-2 {
					hot = append(hot, i)
				}
			}
		}
		if len(fields) > 0 {
			end := fields[len(fields)-1].End()
			hot = append(hot, end, end+1, end+2)
		}
		for i := 0; i < 40; i++ {
			cases = append(cases, data[:rng.Intn(len(data)+1)])
		}
		for i := 0; i < 30; i++ { // still valid: new values, strings with any bytes, flipped write buffers
			m := append([]byte{}, data...)
			for _, f := range fields {
				if f.Buffered {
					m[f.WriteBufferOffset] = byte(rng.Intn(2))
				}
				for j := f.ValueOffset; j < f.End(); j++ {
					if rng.Intn(2) == 0 {
						m[j] = byte(rng.Intn(256))
					} else if rng.Intn(2) == 0 {
						m[j] = 0x80 | byte(rng.Intn(64)) // continuation bytes make ill-formed UTF-8 likely
					}
				}
			}
			cases = append(cases, m)
		}
		for i := 0; i < 150; i++ {
			m := append([]byte{}, data...)
			for k := 0; k <= rng.Intn(3); k++ {
				pos := rng.Intn(len(m))
				if rng.Intn(4) > 0 {
					pos = hot[rng.Intn(len(hot))] % len(m)
				}
				switch rng.Intn(6) {
				case 0:
					m[pos] = 0
				case 1:
					m[pos] = 0xff
				case 2:
					m[pos] ^= 1 << rng.Intn(8)
				case 3:
					m[pos] = byte(rng.Intn(256))
				case 4:
					m = append(m[:pos], append([]byte{byte(rng.Intn(256))}, m[pos:]...)...)
				case 5:
					m = append(m[:pos], m[pos+1:]...)
				}
			}
			cases = append(cases, m)
		}
	}
	return cases
}

func TestSameVerdictsAsThePythonReference(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	repo := repoRoot(t)
	python := filepath.Join(repo, ".venv", "bin", "python")
	if _, err := os.Stat(python); err != nil {
		t.Fatalf("no Python reference at %s: run `make setup` in the repository root first (%v)", python, err)
	}
	cases := mutants(t, rand.New(rand.NewSource(2011)))
	var in bytes.Buffer
	for _, c := range cases {
		binary.Write(&in, binary.LittleEndian, uint32(len(c)))
		in.Write(c)
	}
	cmd := exec.Command(python, "-c", crosscheckPy)
	cmd.Dir = repo
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, stderr.String())
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<24)
	n, valid := 0, 0
	for sc.Scan() {
		if n >= len(cases) {
			t.Fatal("more answers than cases")
		}
		var want struct {
			Errors    [][2]any        `json:"errors"`
			Canonical json.RawMessage `json:"canonical"`
		}
		if err := json.Unmarshal(sc.Bytes(), &want); err != nil {
			t.Fatal(err)
		}
		data := cases[n]
		_, errs := Scan(data)
		wantText := fmt.Sprint(want.Errors)
		var got [][2]any
		for _, e := range errs {
			got = append(got, [2]any{e.Code, float64(e.Offset)})
		}
		if gotText := fmt.Sprint(got); gotText != wantText && !(len(got) == 0 && len(want.Errors) == 0) {
			t.Errorf("case %d (%d bytes): Python %s, Go %s", n, len(data), wantText, gotText)
		}
		if len(errs) == 0 && want.Canonical != nil {
			valid++
			fields, err := Decode(data)
			if err != nil {
				t.Fatal(err)
			}
			if d := canonicalDiff(want.Canonical, AppendCanonical(nil, "x", fields)); len(d) > 0 {
				t.Errorf("case %d: values differ:\n%s", n, strings.Join(d, "\n"))
			}
		}
		n++
	}
	if n != len(cases) {
		t.Fatalf("%d answers for %d cases", n, len(cases))
	}
	t.Logf("%d cases, %d valid, all agree with mmstats_format", n, valid)
}
