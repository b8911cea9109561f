package datatracker

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Resource paths (after /api/v1/) of the resources this package reads.
const (
	resStatement      = "liaisons/liaisonstatement"
	resEvent          = "liaisons/liaisonstatementevent"
	resAttachment     = "liaisons/liaisonstatementattachment"
	resRelated        = "liaisons/relatedliaisonstatement"
	resGroup          = "group/group"
	resRole           = "group/role"
	resPerson         = "person/person"
	resEmail          = "person/email"
	resDocument       = "doc/document"
	resRelatedDoc     = "doc/relateddocument"
	resState          = "doc/state"
	resStateName      = "name/liaisonstatementstate"
	resPurposeName    = "name/liaisonstatementpurposename"
	resTagName        = "name/liaisonstatementtagname"
	resEventTypeName  = "name/liaisonstatementeventtypename"
	resRelationName   = "name/docrelationshipname"
	resRoleName       = "name/rolename"
	resGroupTypeName  = "name/grouptypename"
	resGroupStateName = "name/groupstatename"
	resDocTypeName    = "name/doctypename"
	resStreamName     = "name/streamname"
	resStdLevelName   = "name/stdlevelname"
	resIntendedName   = "name/intendedstdlevelname"
)

// apiPath is the path of a resource's list endpoint, e.g.
// "/api/v1/group/group/".
func apiPath(resource string) string { return "/api/v1/" + resource + "/" }

// refKey returns the key in a resource URI such as "/api/v1/group/group/1985/"
// after checking that it names the expected resource ("group/group"). Full
// URLs and a path prefix before /api/v1/ are accepted. The key is
// percent-decoded (e-mail addresses, document names).
func refKey(uri, resource string) (string, error) {
	p := uri
	if i := strings.Index(p, "://"); i >= 0 {
		j := strings.IndexByte(p[i+3:], '/')
		if j < 0 {
			return "", fmt.Errorf("resource URI %q has no path", uri)
		}
		p = p[i+3+j:]
	}
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	prefix := apiPath(resource)
	i := strings.Index(p, prefix)
	if i < 0 {
		return "", fmt.Errorf("resource URI %q is not a %s URI", uri, resource)
	}
	key := strings.TrimSuffix(p[i+len(prefix):], "/")
	if key == "" || strings.Contains(key, "/") {
		return "", fmt.Errorf("resource URI %q has no single key", uri)
	}
	k, err := url.PathUnescape(key)
	if err != nil {
		return "", fmt.Errorf("resource URI %q: %w", uri, err)
	}
	return k, nil
}

// refID is refKey for resources keyed by a positive integer.
func refID(uri, resource string) (int64, error) {
	k, err := refKey(uri, resource)
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(k, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("resource URI %q: key %q is not an id", uri, k)
	}
	return n, nil
}

// optRefID is refID for a nullable foreign key: "" (null) gives 0.
func optRefID(uri, resource string) (int64, error) {
	if uri == "" {
		return 0, nil
	}
	return refID(uri, resource)
}

// optRefKey is refKey for a nullable foreign key: "" (null) gives "".
func optRefKey(uri, resource string) (string, error) {
	if uri == "" {
		return "", nil
	}
	return refKey(uri, resource)
}

func refIDs(uris []string, resource string) ([]int64, error) {
	out := make([]int64, 0, len(uris))
	for _, u := range uris {
		id, err := refID(u, resource)
		if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, nil
}

func refKeys(uris []string, resource string) ([]string, error) {
	out := make([]string, 0, len(uris))
	for _, u := range uris {
		k, err := refKey(u, resource)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, nil
}

// ResourceURI returns the URI the API uses for an object: resource is the
// path after /api/v1/ ("group/group", "name/rolename", "doc/document") and
// key its id, slug, name or address. Exported for the fake server.
func ResourceURI(resource string, key any) string {
	var k string
	switch v := key.(type) {
	case int64:
		k = strconv.FormatInt(v, 10)
	case int:
		k = strconv.Itoa(v)
	case string:
		k = url.PathEscape(v)
	default:
		k = url.PathEscape(fmt.Sprint(v))
	}
	return apiPath(resource) + k + "/"
}
