module mmstats.dev/torture

go 1.22

require mmstats.dev/readers/go v0.0.0

replace mmstats.dev/readers/go => ../../readers/go
