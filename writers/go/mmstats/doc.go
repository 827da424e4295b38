// Package mmstats publishes metrics in an mmstats file (spec/v1.md): a memory-mapped file that
// other processes read at any time, while updating a value costs a few stores and no system
// call.
//
//	requests := mmstats.NewCounter("http.requests")
//	load := mmstats.NewGauge("load")
//	path := mmstats.NewString("last.path", 64)
//	s, err := mmstats.Create(mmstats.Options{Prefix: "web."}, requests, load, path)
//	if err != nil { ... }
//	defer s.Remove()
//	requests.Inc()
//	load.Set(0.75)
//	path.Set(r.URL.Path)
//
// # Fields first, then the file
//
// A version 1 file's layout is fixed when it is created: every field is declared (NewCounter,
// NewInt[int16], NewFloat[float32], NewBool, NewString, StaticInt, ...) and handed to Create,
// which lays them out, creates the file exclusively and publishes it. A value set before
// Create is the field's initial value; after Close, updates stay in the handle and reach no
// file.
//
// # Goroutines and writers
//
// The format allows one writer per file: the update protocol of a buffered record (store the
// idle copy, then flip the write-buffer byte) breaks if two updates of the same record
// interleave. The spec's writer is a thread, and its default file name carries the thread id;
// goroutines, however, are not threads: the scheduler moves them between threads, and Go code
// shares a counter between goroutines as a matter of course (one per HTTP request).
//
// So here the writer of a file is its *Stats, and every handle serialises its own updates with
// a mutex of its own. Two goroutines updating the same field take turns; goroutines updating
// different fields never contend, because records share no bytes and the protocol is per
// record. An uncontended update costs the lock and unlock beside the protocol's own atomic
// flip (bench_test.go measures both). The lock also makes Close safe: it unbinds each handle
// under its lock, so no update can store into an unmapped file.
//
// {TID} in the default name and the sys.tid field are the OS thread that ran Create
// (gettid on Linux, the pid elsewhere). They name the file; they do not restrict which thread
// or goroutine updates it. One Stats per process is normally enough; a second Create from the
// same thread with the default name finds the first file there and fails (ErrExists), so give
// it its own Options.Path.
//
// # Format versions
//
// Everything that differs between format versions is in one file per version (v1.go) behind
// the codec and slot interfaces and the codecs table in format.go; Options.Version chooses,
// DefaultVersion is V1. Handles only hold a slot and call it, so a version with another update
// protocol changes the slot, not the handles.
package mmstats
