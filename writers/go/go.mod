module mmstats.dev/writers/go

go 1.23

// The reader is used by tests only (files written here are read back by it); the package
// mmstats and the command import nothing but the standard library.
require mmstats.dev/readers/go v0.0.0

replace mmstats.dev/readers/go => ../../readers/go
