// Command otelcol-mmstats is an OpenTelemetry Collector with the mmstats
// receiver and the exporters that take metrics off the host: debug, OTLP
// (gRPC and HTTP), Prometheus (scraped) and Prometheus remote write.
package main

import (
	"log"
	"runtime/debug"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/provider/envprovider"
	"go.opentelemetry.io/collector/confmap/provider/fileprovider"
	"go.opentelemetry.io/collector/confmap/provider/yamlprovider"
	"go.opentelemetry.io/collector/otelcol"
)

func main() {
	info := component.BuildInfo{
		Command:     "otelcol-mmstats",
		Description: "OpenTelemetry Collector with the mmstats receiver",
		Version:     collectorRelease(),
	}
	set := otelcol.CollectorSettings{
		BuildInfo: info,
		Factories: components,
		ConfigProviderSettings: otelcol.ConfigProviderSettings{
			ResolverSettings: confmap.ResolverSettings{
				ProviderFactories: []confmap.ProviderFactory{
					envprovider.NewFactory(), fileprovider.NewFactory(), yamlprovider.NewFactory(),
				},
				DefaultScheme: "env",
			},
		},
	}
	if err := otelcol.NewCommand(set).Execute(); err != nil {
		log.Fatal(err)
	}
}

// collectorRelease is the release of the collector modules this binary is built from (go.mod says it once).
func collectorRelease() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range bi.Deps {
			if dep.Path == "go.opentelemetry.io/collector/otelcol" {
				return dep.Version
			}
		}
	}
	return "unknown"
}
