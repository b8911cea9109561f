package zulipfake

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// contractJSON is Zulip's API as the bot relies on it: the operations
// internal/zulip calls, cut from Zulip's official OpenAPI description
// (https://github.com/zulip/zulip/blob/main/zerver/openapi/zulip.yaml) by
// tools/zulipcontract, without prose or examples. TestContractMatchesOfficial
// checks it against the official file when one is at hand.
//
//go:generate go run ../../../tools/zulipcontract -out testdata/zulip-contract.json
//go:embed testdata/zulip-contract.json
var contractJSON []byte

// specHost is the host the validator pretends every request went to; the
// spec's servers are replaced by it (the official ones have undeclared
// variables).
const specHost = "zulip.test"

// validator checks requests and responses against the Zulip contract, with
// the workarounds (numbered "gotchas" below) that make kin-openapi accept
// Zulip's description and match what the real server sends.
type validator struct {
	main    routers.Router // every path but /users/{email}
	byEmail routers.Router // only /users/{email} (path conflict, gotcha 2)
}

var (
	specOnce sync.Once
	specVal  *validator
	specErr  error
)

func loadValidator() (*validator, error) {
	specOnce.Do(func() {
		specVal, specErr = newValidator()
	})
	return specVal, specErr
}

func newValidator() (*validator, error) {
	openapi3filter.RegisterBodyDecoder("application/x-www-form-urlencoded", zulipFormDecoder)
	load := func() (*openapi3.T, error) {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(contractJSON)
		if err != nil {
			return nil, fmt.Errorf("zulipfake: load the contract: %w", err)
		}
		patchSpec(doc)
		return doc, nil
	}
	doc, err := load()
	if err != nil {
		return nil, err
	}
	emailDoc, err := load()
	if err != nil {
		return nil, err
	}
	// Gotcha 2: /users/{user_id} and /users/{email} conflict; route paths
	// with an "@" to a router that knows only the e-mail form.
	emailItem := doc.Paths.Value("/users/{email}")
	doc.Paths.Delete("/users/{email}")
	emailDoc.Paths = openapi3.NewPaths(openapi3.WithPath("/users/{email}", emailItem))
	// The error pseudo-path must stay reachable for 401/429 (gotcha 6).
	emailDoc.Paths.Set("/rest-error-handling", doc.Paths.Value("/rest-error-handling"))
	ctx := context.Background()
	for _, d := range []*openapi3.T{doc, emailDoc} {
		if err := d.Validate(ctx, openapi3.DisableExamplesValidation()); err != nil {
			return nil, fmt.Errorf("zulipfake: spec does not validate after the fixes: %w", err)
		}
	}
	main, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("zulipfake: router: %w", err)
	}
	byEmail, err := gorillamux.NewRouter(emailDoc)
	if err != nil {
		return nil, fmt.Errorf("zulipfake: router: %w", err)
	}
	return &validator{main: main, byEmail: byEmail}, nil
}

// patchSpec applies the fixes that make kin-openapi accept Zulip's
// description and the real server's answers (gotchas 1, 3, 7, 14).
func patchSpec(doc *openapi3.T) {
	// 1: security requirement "basicAuth" vs the declared "BasicAuth".
	if s := doc.Components.SecuritySchemes["BasicAuth"]; s != nil {
		doc.Components.SecuritySchemes["basicAuth"] = s
	}
	// 3: one server, ours.
	doc.Servers = openapi3.Servers{{URL: "http://" + specHost + "/api/v1"}}
	// 7: the real server sends a float retry-after.
	if s := doc.Components.Schemas["RateLimitedError"]; s != nil && s.Value != nil {
		for _, part := range s.Value.AllOf {
			if p := part.Value.Properties["retry-after"]; p != nil && p.Value != nil {
				p.Value.Type = &openapi3.Types{openapi3.TypeNumber}
			}
		}
	}
	// 14: error variants differ only in their examples, so any error body
	// matches several oneOf branches: make them anyOf.
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.Responses == nil {
				continue
			}
			for status, resp := range op.Responses.Map() {
				if len(status) != 3 || status[0] < '4' || resp.Value == nil {
					continue
				}
				for _, mt := range resp.Value.Content {
					if mt.Schema != nil && mt.Schema.Value != nil && len(mt.Schema.Value.OneOf) > 0 {
						v := *mt.Schema.Value
						v.AnyOf, v.OneOf = v.OneOf, nil
						mt.Schema = &openapi3.SchemaRef{Value: &v}
					}
				}
			}
		}
	}
}

// zulipFormDecoder decodes application/x-www-form-urlencoded bodies the
// way Zulip does (gotcha 4): a field whose schema is not a plain string, or
// whose encoding says application/json, holds JSON text; if it does not
// parse, the raw string is kept (and then fails the schema).
func zulipFormDecoder(body io.Reader, _ http.Header, schema *openapi3.SchemaRef, encFn openapi3filter.EncodingFn) (any, error) {
	raw, err := io.ReadAll(body)
	if err != nil {
		return nil, err
	}
	form, err := url.ParseQuery(string(raw))
	if err != nil {
		return nil, fmt.Errorf("malformed form body: %w", err)
	}
	out := map[string]any{}
	for name, vals := range form {
		v := vals[len(vals)-1]
		jsonField := false
		if encFn != nil {
			if enc := encFn(name); enc != nil && strings.Contains(enc.ContentType, "json") {
				jsonField = true
			}
		}
		if schema != nil && schema.Value != nil {
			if p := schema.Value.Properties[name]; p != nil && p.Value != nil && !p.Value.Type.Is(openapi3.TypeString) {
				jsonField = true
			}
		}
		if jsonField {
			var x any
			dec := json.NewDecoder(strings.NewReader(v))
			dec.UseNumber()
			if dec.Decode(&x) == nil {
				out[name] = normaliseNumbers(x)
				continue
			}
		}
		out[name] = v
	}
	return out, nil
}

// normaliseNumbers turns json.Number into float64 (what the schema
// validator expects).
func normaliseNumbers(x any) any {
	switch v := x.(type) {
	case json.Number:
		f, err := v.Float64()
		if err != nil {
			return v.String()
		}
		return f
	case []any:
		for i := range v {
			v[i] = normaliseNumbers(v[i])
		}
		return v
	case map[string]any:
		for k := range v {
			v[k] = normaliseNumbers(v[k])
		}
		return v
	}
	return x
}

// checked is a request that passed validation, kept to validate its
// response.
type checked struct {
	input *openapi3filter.RequestValidationInput
	// errRoute is /rest-error-handling, for 401 and 429 answers.
	errRoute *openapi3filter.RequestValidationInput
}

var filterOptions = &openapi3filter.Options{
	IncludeResponseStatus: true,
	MultiError:            false,
	AuthenticationFunc: func(_ context.Context, in *openapi3filter.AuthenticationInput) error {
		if _, _, ok := in.RequestValidationInput.Request.BasicAuth(); !ok {
			return errors.New("no HTTP basic credentials")
		}
		return nil
	},
}

// checkRequest validates r (whose body is given separately, since the
// handler reads it again).
func (v *validator) checkRequest(r *http.Request, body []byte) (*checked, error) {
	vr := r.Clone(r.Context())
	vr.URL.Scheme = "http"
	vr.URL.Host = specHost
	vr.Host = specHost
	vr.RequestURI = ""
	vr.Body = io.NopCloser(bytes.NewReader(body))
	router := v.main
	if strings.HasPrefix(vr.URL.Path, "/api/v1/users/") && strings.Contains(vr.URL.Path, "@") {
		router = v.byEmail
	}
	route, params, err := router.FindRoute(vr)
	if err != nil {
		return nil, fmt.Errorf("no such operation %s %s: %w", r.Method, r.URL.Path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: vr, PathParams: params, Route: route, Options: filterOptions}
	if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
		return nil, err
	}
	c := &checked{input: in}
	er, _ := http.NewRequest(http.MethodPost, "http://"+specHost+"/api/v1/rest-error-handling", nil)
	if eroute, eparams, err := router.FindRoute(er); err == nil {
		c.errRoute = &openapi3filter.RequestValidationInput{Request: er, PathParams: eparams, Route: eroute, Options: filterOptions}
	}
	return c, nil
}

// checkResponse validates an answer to a checked request.
func (v *validator) checkResponse(ctx context.Context, c *checked, status int, header http.Header, body []byte) error {
	in := c.input
	if (status == http.StatusUnauthorized || status == http.StatusTooManyRequests) && c.errRoute != nil {
		in = c.errRoute // gotcha 6: declared only on the pseudo-path
	}
	return openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                filterOptions,
	})
}
