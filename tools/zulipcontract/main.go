// Command zulipcontract writes the Zulip API contract that the fake Zulip
// server (internal/zulip/zulipfake) validates against, from Zulip's
// official OpenAPI description
// (https://github.com/zulip/zulip/blob/main/zerver/openapi/zulip.yaml).
//
//	go run ./tools/zulipcontract [-spec zulip.yaml] [-out FILE]
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/liaisonbot/liaisonbot/tools/zulipcontract/contract"
)

func main() {
	spec := flag.String("spec", "", "the official Zulip OpenAPI file (default: $"+contract.SpecEnv+", or shared/zulip/zulip-openapi.yaml in a parent directory)")
	out := flag.String("out", contract.OutRel, "where to write the contract")
	flag.Parse()
	if err := run(*spec, *out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(spec, out string) error {
	if spec == "" {
		p, err := contract.FindOfficial()
		if err != nil {
			return err
		}
		if p == "" {
			return fmt.Errorf("zulipcontract: no official Zulip OpenAPI file found (use -spec or $%s)", contract.SpecEnv)
		}
		spec = p
	}
	b, err := contract.Generate(spec)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		return err
	}
	fmt.Printf("zulipcontract: wrote %s (%d bytes) from %s\n", out, len(b), spec)
	return nil
}
