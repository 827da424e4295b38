module mmstats.dev/readers/go

go 1.22
