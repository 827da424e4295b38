package mmstats

import (
	"io"
	"math"
)

// Version 2 values (spec/v2.md, "Adding up slots" and "Reader protocol").
const (
	v2Retries    = 100 // copies tried per multi-word value before it has no value
	v2YieldEvery = 10  // attempts between two yields of the processor
)

// v2Yield is how both pollers give way between attempts; a test counts the calls.
var v2Yield = yieldProcessor

// v2SeqOK: the sequence at at is even in the copy made before and the same in the copy made after.
func v2SeqOK(before, after []byte, at int) bool {
	s1 := get64(before, at+v2Seq)
	return s1%2 == 0 && s1 == get64(after, at+v2Seq)
}

// v2Fields decodes every field from copy data; the sequences of multi-word
// values come from before and after, the copies made just before and just
// after data. A file at rest passes one copy three times.
func v2Fields(s *v2Scan, before, data, after []byte) *FileV2 {
	out := &FileV2{Header: s.header, Fields: make([]FieldV2, len(s.fields))}
	for i := range s.fields {
		out.Fields[i] = v2Value(&s.fields[i], s.slotsUsed, before, data, after)
	}
	return out
}

func v2Value(l *v2Layout, slots int, before, data, after []byte) FieldV2 {
	f := l.meta
	switch {
	case l.kind == kindHistogram:
		h := newHistogram(l)
		for k := 0; k < slots; k++ {
			at := l.at + k*l.stride
			if !v2SeqOK(before, after, at) {
				f.Null = true
				return f
			}
			h.addCopy(k, func(off int) uint64 { return get64(data, at+off) })
		}
		f.Histogram = h
	case l.vtype == vtUTF8:
		length := get32(data, l.at+v2StringLength)
		if !v2SeqOK(before, after, l.at) || length > l.size-v2ValueHeader {
			f.Null = true
			return f
		}
		text := data[l.at+v2StringText : l.at+v2StringText+length]
		f.Value = StringValue(DecodeUTF8(text))
	default:
		f.Value = v2Number(l, slots, func(at int) uint64 { return get64(data, at) })
	}
	return f
}

func newHistogram(l *v2Layout) *Histogram {
	return &Histogram{Bounds: l.bounds, Counts: make([]uint64, len(l.bounds)+1)}
}

// addCopy adds the consistent copy of slot k, whose words word gives by
// offset in the value: sums as f64 in slot order, buckets modulo 2^64.
func (h *Histogram) addCopy(k int, word func(off int) uint64) {
	sum := math.Float64frombits(word(v2HistSum))
	if k == 0 {
		h.Sum = sum
	} else {
		h.Sum += sum
	}
	for i := range h.Counts {
		h.Counts[i] += word(v2HistBuckets + v2Word*i)
	}
}

// v2Number is a number's value: its one copy, or the sum of its copies in slots
// 0 to slots-1 (integers modulo 2^64, floats added in slot order); word loads
// the 8-byte word at a file offset.
func v2Number(l *v2Layout, slots int, word func(at int) uint64) Value {
	if l.stride == 0 {
		slots = 1
	}
	var bits uint64
	var sum float64
	for k := 0; k < slots; k++ {
		w := word(l.at + k*l.stride)
		if l.vtype == vtF64 {
			if k == 0 {
				sum = math.Float64frombits(w)
			} else {
				sum += math.Float64frombits(w)
			}
		} else {
			bits += w
		}
	}
	switch l.vtype {
	case vtF64:
		return FloatValue(sum)
	case vtI64:
		return IntValue(int64(bits))
	}
	return UintValue(bits)
}

// readV2 applies the reader protocol for copies to a file whose copy A is
// first (already scanned as s): copy B gives the payload, copy C the second
// sequence of every multi-word value. A value whose sequences disagree is read
// again alone (sequence, value, sequence: three small reads), at most
// v2Retries times; a closed file's odd sequence never changes, so it is not retried.
func readV2(r io.ReaderAt, first []byte, s *v2Scan, path string) (*FileV2, error) {
	size := len(first)
	data, after := make([]byte, size), make([]byte, size)
	if n, _ := r.ReadAt(data, 0); n != size {
		return v2Fields(s, first, first, first), nil // the size changed: not a version 2 writer; the copy at rest
	}
	if n, _ := r.ReadAt(after, 0); n != size {
		return v2Fields(s, first, first, first), nil
	}
	sc := scan(data)
	if len(sc.errs) > 0 {
		return nil, sc.errs[0].WithPath(path)
	}
	settleV2(r, sc.v2, first, data, after)
	return v2Fields(sc.v2, first, data, after), nil
}

// settleV2 reads again, each on its own, the multi-word values whose
// sequences in before and after show a change or an update in progress, until
// they agree or v2Retries attempts are made.
func settleV2(r io.ReaderAt, s *v2Scan, before, data, after []byte) {
	type region struct{ at, size int }
	var regions []region
	for i := range s.fields {
		l := &s.fields[i]
		if !l.multiWord() {
			continue
		}
		copies := 1
		if l.stride != 0 {
			copies = s.slotsUsed
		}
		for k := 0; k < copies; k++ {
			regions = append(regions, region{l.at + k*l.stride, l.size})
		}
	}
	for attempt := 0; attempt < v2Retries && s.state != v2StateClosed; attempt++ {
		pending := regions[:0:0]
		for _, g := range regions {
			if !v2SeqOK(before, after, g.at) {
				pending = append(pending, g)
			}
		}
		if len(pending) == 0 {
			break
		}
		if attempt%v2YieldEvery == v2YieldEvery-1 {
			v2Yield()
		}
		for _, g := range pending {
			r.ReadAt(before[g.at:g.at+v2Word], int64(g.at))
			r.ReadAt(data[g.at:g.at+g.size], int64(g.at))
			r.ReadAt(after[g.at:g.at+v2Word], int64(g.at))
		}
	}
}
