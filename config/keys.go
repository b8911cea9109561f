package config

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/spf13/viper"
)

// The keys a configuration may hold are those of Config's mapstructure
// tags; these checks walk that type so a new key needs no list of its own.

// fieldsOf maps the keys of a struct type to their field types.
func fieldsOf(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		if tag := strings.Split(f.Tag.Get("mapstructure"), ",")[0]; tag != "" && tag != "-" {
			out[tag] = f.Type
		}
	}
	return out
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// checkKeys reports the first key of val (viper's merged settings) that t
// does not have, suggesting the nearest one. Values of the wrong shape are
// left to the decoder.
func checkKeys(prefix string, val any, t reflect.Type) error {
	switch t.Kind() {
	case reflect.Struct:
		if t == reflect.TypeOf(time.Duration(0)) {
			return nil
		}
		m, ok := val.(map[string]any)
		if !ok {
			return nil
		}
		fields := fieldsOf(t)
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ft, ok := fields[k]
			if !ok {
				names := make([]string, 0, len(fields))
				for n := range fields {
					names = append(names, n)
				}
				return &Error{join(prefix, k), "unknown key" + suggest(k, names)}
			}
			if err := checkKeys(join(prefix, k), m[k], ft); err != nil {
				return err
			}
		}
	case reflect.Slice:
		list, ok := val.([]any)
		if !ok {
			return nil
		}
		for i, e := range list {
			if err := checkKeys(fmt.Sprintf("%s[%d]", prefix, i), e, t.Elem()); err != nil {
				return err
			}
		}
	case reflect.Map:
		if m, ok := val.(map[string]any); ok {
			for k, e := range m {
				if err := checkKeys(join(prefix, k), e, t.Elem()); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// leafKeys lists the keys reachable through nested structs (the ones an
// environment variable can set) with their types.
func leafKeys(prefix string, t reflect.Type, out map[string]reflect.Type) {
	for k, ft := range fieldsOf(t) {
		key := join(prefix, k)
		if ft.Kind() == reflect.Struct && ft != reflect.TypeOf(time.Duration(0)) {
			leafKeys(key, ft, out)
			continue
		}
		out[key] = ft
	}
}

// notKeys are LIAISONBOT_* variables that are not configuration keys but
// fall under a section's prefix.
var notKeys = map[string]bool{
	EnvPrefix + "_ZULIP_OPENAPI": true, // the Zulip contract tool and test
}

func envName(key string) string {
	return EnvPrefix + "_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// checkEnv reports a LIAISONBOT_<SECTION>_* variable that sets no key
// (viper would ignore it silently). Variables outside the sections
// (LIAISONBOT_CONFIG, LIAISONBOT_CACHE, test settings) are not ours to judge.
func checkEnv(environ []string) error {
	leaves := map[string]reflect.Type{}
	leafKeys("", reflect.TypeOf(Config{}), leaves)
	known := map[string]bool{}
	names := make([]string, 0, len(leaves))
	for k := range leaves {
		known[envName(k)] = true
		names = append(names, envName(k))
	}
	var sections []string
	for k, ft := range fieldsOf(reflect.TypeOf(Config{})) {
		if ft.Kind() == reflect.Struct {
			sections = append(sections, envName(k)+"_")
		}
	}
	sort.Strings(environ)
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if known[name] || notKeys[name] || !strings.HasPrefix(name, EnvPrefix+"_") {
			continue
		}
		for _, s := range sections {
			if strings.HasPrefix(name, s) {
				return &Error{name, "unknown key" + suggest(name, names)}
			}
		}
	}
	return nil
}

// checkDurations shows a duration that does not parse, with its value;
// a bare number (which the decoder would read as nanoseconds) is refused.
func checkDurations(v *viper.Viper) error {
	leaves := map[string]reflect.Type{}
	leafKeys("", reflect.TypeOf(Config{}), leaves)
	keys := make([]string, 0, len(leaves))
	for k, t := range leaves {
		if t == reflect.TypeOf(time.Duration(0)) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch x := v.Get(k).(type) {
		case nil, time.Duration:
		case string:
			if _, err := time.ParseDuration(strings.TrimSpace(x)); err != nil {
				return &Error{k, fmt.Sprintf("%q is not a duration (e.g. 30s, 5m, 6h)", x)}
			}
		default:
			return &Error{k, fmt.Sprintf("%v is not a duration: give a unit (e.g. %vs, %vm)", x, x, x)}
		}
	}
	return nil
}

// suggest returns " (did you mean X?)" for the candidate nearest to got,
// if one is near enough to be a typo.
func suggest(got string, candidates []string) string {
	sort.Strings(candidates)
	best, bestD := "", -1
	for _, c := range candidates {
		d := distance(strings.ToLower(got), strings.ToLower(c))
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" || bestD > max(2, len(got)/4) {
		return ""
	}
	return " (did you mean " + best + "?)"
}

// distance is the Levenshtein edit distance.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
