package mmstatsreceiver

import (
	"errors"

	"mmstats.dev/readers/go/mmstats"
)

// fileReader polls one path whatever the format version of the file it
// names. The core reader decides the version: its version 1 StatsReader
// refuses a version 2 file with ErrVersion2, and from then on a PollerV2,
// which parses the entries once, reads the path. Each keeps its parse
// between collections.
type fileReader struct {
	path string
	v1   *mmstats.StatsReader
	v2   *mmstats.PollerV2 // set while the path names a version 2 file
}

func newFileReader(path string) *fileReader {
	return &fileReader{path: path, v1: mmstats.NewStatsReader(path, mmstats.DefaultMaxSize)}
}

// read returns the file's current values: File.V2 for a version 2 file,
// File.Fields for a version 1 file.
func (r *fileReader) read() (*mmstats.File, error) {
	if r.v2 != nil {
		f, err := r.v2.Read()
		if err == nil {
			return &mmstats.File{Version: 2, V2: f}, nil
		}
		// the path may name a version 1 file now: the version 1 reader says
		// which; if it says version 2, the poller's error is the file's problem
		r.v2.Close()
		r.v2 = nil
		if f1, err1 := r.readV1(); !errors.Is(err1, mmstats.ErrVersion2) {
			return f1, err1
		}
		return nil, err
	}
	f, err := r.readV1()
	if errors.Is(err, mmstats.ErrVersion2) {
		r.v1.Close()
		r.v2 = mmstats.NewPollerV2(r.path, mmstats.DefaultMaxSize)
		v2, err := r.v2.Read()
		if err != nil {
			return nil, err
		}
		return &mmstats.File{Version: 2, V2: v2}, nil
	}
	return f, err
}

func (r *fileReader) readV1() (*mmstats.File, error) {
	values, err := r.v1.Read()
	if err != nil {
		return nil, err
	}
	layout, err := r.v1.Layout()
	if err != nil {
		return nil, err
	}
	fields := make([]mmstats.Field, len(values))
	for i, v := range values {
		l := layout.Fields[i]
		fields[i] = mmstats.Field{Label: l.Label, Type: l.Type, Buffered: l.Buffered, Value: v}
	}
	return &mmstats.File{Version: layout.Version, Fields: fields}, nil
}

func (r *fileReader) close() {
	r.v1.Close()
	if r.v2 != nil {
		r.v2.Close()
	}
}
