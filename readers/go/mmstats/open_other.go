//go:build !unix

package mmstats

import "os"

const openFlags = os.O_RDONLY
