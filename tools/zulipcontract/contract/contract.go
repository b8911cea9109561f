// Package contract cuts Zulip's official OpenAPI description down to the
// contract the bot relies on: the operations it calls (and the fake serves),
// their parameters, request bodies and response schemas, and the components
// they reference, without prose, examples or x- extensions. The result is a
// small, valid OpenAPI document that internal/zulip/zulipfake embeds and
// validates every request and response against.
//
// The official description is
// https://github.com/zulip/zulip/blob/main/zerver/openapi/zulip.yaml
// (served at https://zulip.com/api/ as the REST API documentation).
package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// SpecEnv names an environment variable that points at the official file.
const SpecEnv = "LIAISONBOT_ZULIP_OPENAPI"

// specRel is where CI keeps the official file, relative to a parent of the
// checkout.
const specRel = "shared/zulip/zulip-openapi.yaml"

// OutRel is the checked-in contract, relative to the repository root.
const OutRel = "internal/zulip/zulipfake/testdata/zulip-contract.json"

// Regenerate is the command that rewrites the checked-in contract.
const Regenerate = "go run ./tools/zulipcontract (from the repository root; -spec FILE or $" + SpecEnv + " names the official file)"

// Operations are the method/path pairs of the contract: what
// internal/zulip calls and internal/zulip/zulipfake serves.
// /rest-error-handling is Zulip's pseudo-operation that holds the common
// 401/429 answers.
var Operations = map[string][]string{
	"/register":                        {"post"},          // event queue (transport.go)
	"/events":                          {"get", "delete"}, // long poll, queue cleanup
	"/messages":                        {"get", "post"},   // backfill, send
	"/messages/{message_id}":           {"get", "patch"},  // reply context, edit
	"/messages/{message_id}/reactions": {"post", "delete"},
	"/users/me":                        {"get"},
	"/users/me/subscriptions":          {"post"},
	"/users/{user_id}":                 {"get"},
	"/users/{email}":                   {"get"},
	"/get_stream_id":                   {"get"},
	"/rest-error-handling":             {"post"},
}

// FindOfficial returns the official file: $LIAISONBOT_ZULIP_OPENAPI, or
// shared/zulip/zulip-openapi.yaml in the working directory or a parent.
// It returns "" without error when there is none.
func FindOfficial() (string, error) {
	if p := os.Getenv(SpecEnv); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s: %w", SpecEnv, err)
		}
		return p, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, specRel)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", nil
		}
		dir = parent
	}
}

// Generate reads the official description at path and returns the
// contract as indented JSON (map keys sorted, so the output is stable).
func Generate(path string) ([]byte, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("zulipcontract: load %s: %w", path, err)
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("zulipcontract: %w", err)
	}
	var full map[string]any
	if err := json.Unmarshal(raw, &full); err != nil {
		return nil, fmt.Errorf("zulipcontract: %w", err)
	}
	paths, _ := full["paths"].(map[string]any)
	outPaths := map[string]any{}
	for p, methods := range Operations {
		item, ok := paths[p].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("zulipcontract: %s: no such path in %s", p, path)
		}
		kept := map[string]any{}
		if params, ok := item["parameters"]; ok {
			kept["parameters"] = params
		}
		for _, m := range methods {
			op, ok := item[m]
			if !ok {
				return nil, fmt.Errorf("zulipcontract: %s %s: no such operation in %s", strings.ToUpper(m), p, path)
			}
			kept[m] = op
		}
		outPaths[p] = kept
	}
	out := map[string]any{
		"openapi": full["openapi"],
		"info":    map[string]any{"title": "Zulip REST API (liaisonbot contract)", "version": infoVersion(full)},
		"paths":   outPaths,
	}
	if sec, ok := full["security"]; ok {
		out["security"] = sec
	}
	comps, _ := full["components"].(map[string]any)
	outComps := map[string]any{}
	// Security schemes are few and referenced by name, not by $ref.
	if ss, ok := comps["securitySchemes"]; ok {
		outComps["securitySchemes"] = ss
	}
	// Copy every component reachable by $ref from what is kept.
	seen := map[string]bool{}
	queue := refs(out, nil)
	for len(queue) > 0 {
		ref := queue[0]
		queue = queue[1:]
		if seen[ref] {
			continue
		}
		seen[ref] = true
		kind, name, ok := splitRef(ref)
		if !ok {
			return nil, fmt.Errorf("zulipcontract: unsupported $ref %q", ref)
		}
		group, _ := comps[kind].(map[string]any)
		v, ok := group[name]
		if !ok {
			return nil, fmt.Errorf("zulipcontract: dangling $ref %q", ref)
		}
		g, _ := outComps[kind].(map[string]any)
		if g == nil {
			g = map[string]any{}
			outComps[kind] = g
		}
		g[name] = v
		queue = refs(v, queue)
	}
	out["components"] = outComps
	strip(out, "")
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(out); err != nil {
		return nil, fmt.Errorf("zulipcontract: %w", err)
	}
	return buf.Bytes(), nil
}

func infoVersion(full map[string]any) any {
	if info, ok := full["info"].(map[string]any); ok {
		return info["version"]
	}
	return ""
}

// refs appends every "$ref" string found in v, in a stable order.
func refs(v any, acc []string) []string {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if s, ok := x[k].(string); ok && k == "$ref" {
				acc = append(acc, s)
				continue
			}
			acc = refs(x[k], acc)
		}
	case []any:
		for _, e := range x {
			acc = refs(e, acc)
		}
	}
	return acc
}

func splitRef(ref string) (kind, name string, ok bool) {
	rest, found := strings.CutPrefix(ref, "#/components/")
	if !found {
		return "", "", false
	}
	kind, name, ok = strings.Cut(rest, "/")
	return kind, name, ok && !strings.Contains(name, "/")
}

// nameMaps are the OpenAPI fields whose map keys are names (of properties,
// paths, status codes, media types...), never keywords: a property called
// "description" must survive the stripping.
var nameMaps = map[string]bool{
	"properties": true, "patternProperties": true, "paths": true, "responses": true,
	"content": true, "encoding": true, "headers": true, "schemas": true, "parameters": true,
	"requestBodies": true, "securitySchemes": true, "components": true, "links": true,
	"callbacks": true, "mapping": true, "variables": true, "scopes": true,
}

// prose are keywords that carry documentation only.
var prose = map[string]bool{
	"description": true, "summary": true, "example": true, "examples": true,
	"externalDocs": true, "tags": true, "title": true,
}

// strip removes prose, examples and x- extensions from keyword maps in
// place. parent is the key v was found under.
func strip(v any, parent string) {
	switch x := v.(type) {
	case map[string]any:
		if nameMaps[parent] {
			for k, e := range x {
				if parent == "components" {
					strip(e, k) // schemas, responses...: maps of names
					continue
				}
				strip(e, "")
				if parent == "responses" {
					// A Response object must have a description.
					if r, ok := e.(map[string]any); ok {
						if _, isRef := r["$ref"]; !isRef {
							r["description"] = ""
						}
					}
				}
			}
			return
		}
		for k, e := range x {
			if (prose[k] && parent != "info") || strings.HasPrefix(k, "x-") {
				delete(x, k)
				continue
			}
			strip(e, k)
		}
	case []any:
		for _, e := range x {
			strip(e, "")
		}
	}
}
