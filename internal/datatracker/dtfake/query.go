package dtfake

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// rec is one object of a resource.
type rec interface {
	render(s *Server) map[string]any
}

// resource describes one list/detail endpoint of the fake.
type resource struct {
	// list returns the objects with id > after in the resource's id order
	// (after is a hint from id__gt/id__gte; 0 for all).
	list func(s *Server, after int64) []rec
	// detail finds one object by its URL key.
	detail func(s *Server, key string) (rec, bool)
	// id returns an object's numeric id (for order_by=id), 0 if none.
	id func(r rec) int64
	// field returns an object's values of a filterable field (several for
	// to-many fields, none for null). Unknown fields are not filterable.
	field func(s *Server, r rec, name string) ([]string, bool)
	// defaultOrder sorts a list without order_by, nil for id order.
	defaultOrder func(s *Server, rs []rec)
	// orderByID tells whether order_by=id is allowed (Meta.ordering).
	orderByID bool
	// filters are the filterable field names; a name ending in "__" is a
	// prefix for lookups across a group foreign key (acronym, type, state, id).
	filters []string
}

// knows tells whether field may be filtered on.
func (r *resource) knows(field string) bool {
	for _, f := range r.filters {
		if f == field {
			return true
		}
		if sub, ok := strings.CutPrefix(field, f); ok && strings.HasSuffix(f, "__") {
			switch sub {
			case "acronym", "type", "state", "id":
				return true
			}
		}
	}
	return false
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func one(v string) []string {
	if v == "" {
		return nil
	}
	return []string{v}
}

func ids(v []int64) []string {
	out := make([]string, 0, len(v))
	for _, id := range v {
		out = append(out, itoa(id))
	}
	return out
}

func boolStr(b bool) string { return strconv.FormatBool(b) }

func fromTable[T any, P interface {
	*T
	rec
}](t func(s *Server) *table[T]) func(s *Server, after int64) []rec {
	return func(s *Server, after int64) []rec {
		xs := t(s).from(after)
		out := make([]rec, len(xs))
		for i, x := range xs {
			out[i] = P(x)
		}
		return out
	}
}

func detailByID[T any, P interface {
	*T
	rec
}](t func(s *Server) *table[T]) func(s *Server, key string) (rec, bool) {
	return func(s *Server, key string) (rec, bool) {
		id, err := strconv.ParseInt(key, 10, 64)
		if err != nil {
			return nil, false
		}
		x := t(s).get(id)
		if x == nil {
			return nil, false
		}
		return P(x), true
	}
}

// groupField resolves group__<field> lookups.
func groupField(s *Server, gids []int64, sub string) ([]string, bool) {
	var out []string
	for _, id := range gids {
		g := s.m.groups.get(id)
		if g == nil {
			continue
		}
		switch sub {
		case "acronym":
			out = append(out, g.Acronym)
		case "type":
			out = append(out, g.Type)
		case "state":
			out = append(out, g.State)
		case "id":
			out = append(out, itoa(g.ID))
		default:
			return nil, false
		}
	}
	return out, true
}

var resources = map[string]*resource{
	"liaisons/liaisonstatement": {
		filters:   []string{"id", "title", "body", "state", "state__slug", "purpose", "purpose__slug", "tags", "tags__slug", "deadline", "other_identifiers", "from_contact", "to_contacts", "from_groups", "to_groups", "attachments", "from_groups__", "to_groups__"},
		list:      fromTable[stmtRec](func(s *Server) *table[stmtRec] { return &s.m.statements }),
		detail:    detailByID[stmtRec](func(s *Server) *table[stmtRec] { return &s.m.statements }),
		id:        func(r rec) int64 { return r.(*stmtRec).ID },
		orderByID: true,
		field: func(s *Server, r rec, name string) ([]string, bool) {
			st := r.(*stmtRec)
			switch name {
			case "id":
				return []string{itoa(st.ID)}, true
			case "title":
				return []string{st.Title}, true
			case "body":
				return []string{st.Body}, true
			case "state", "state__slug":
				return one(st.State), true
			case "purpose", "purpose__slug":
				return one(st.Purpose), true
			case "tags", "tags__slug":
				return st.Tags, true
			case "deadline":
				return one(st.Deadline), true
			case "other_identifiers":
				return one(st.OtherIdentifiers), true
			case "from_contact":
				return one(st.FromContact), true
			case "to_contacts":
				return one(st.ToContacts), true
			case "from_groups":
				return ids(st.FromGroups), true
			case "to_groups":
				return ids(st.ToGroups), true
			case "attachments":
				return s.m.attachmentNames(st.ID), true
			}
			if sub, ok := strings.CutPrefix(name, "from_groups__"); ok {
				return groupField(s, st.FromGroups, sub)
			}
			if sub, ok := strings.CutPrefix(name, "to_groups__"); ok {
				return groupField(s, st.ToGroups, sub)
			}
			return nil, false
		},
	},
	"liaisons/liaisonstatementevent": {
		filters:   []string{"id", "type", "type__slug", "statement", "statement__id", "by", "time", "desc", "statement__state"},
		list:      fromTable[eventRec](func(s *Server) *table[eventRec] { return &s.m.events }),
		detail:    detailByID[eventRec](func(s *Server) *table[eventRec] { return &s.m.events }),
		id:        func(r rec) int64 { return r.(*eventRec).ID },
		orderByID: true,
		// LiaisonStatementEvent.Meta.ordering = ['-time', '-id'].
		defaultOrder: func(_ *Server, rs []rec) {
			slices.SortStableFunc(rs, func(a, b rec) int {
				ea, eb := a.(*eventRec), b.(*eventRec)
				if c := eb.Time.Compare(ea.Time); c != 0 {
					return c
				}
				return int(eb.ID - ea.ID)
			})
		},
		field: func(s *Server, r rec, name string) ([]string, bool) {
			e := r.(*eventRec)
			switch name {
			case "id":
				return []string{itoa(e.ID)}, true
			case "type", "type__slug":
				return []string{e.Type}, true
			case "statement", "statement__id":
				return []string{itoa(e.StatementID)}, true
			case "by":
				return []string{itoa(e.By)}, true
			case "time":
				return []string{apiTime(e.Time)}, true
			case "desc":
				return []string{e.Desc}, true
			case "statement__state":
				if st := s.m.statements.get(e.StatementID); st != nil {
					return one(st.State), true
				}
				return nil, true
			}
			return nil, false
		},
	},
	"liaisons/liaisonstatementattachment": {
		filters:   []string{"id", "statement", "document", "document__name", "removed"},
		list:      fromTable[attRec](func(s *Server) *table[attRec] { return &s.m.atts }),
		detail:    detailByID[attRec](func(s *Server) *table[attRec] { return &s.m.atts }),
		id:        func(r rec) int64 { return r.(*attRec).ID },
		orderByID: true,
		field: func(_ *Server, r rec, name string) ([]string, bool) {
			a := r.(*attRec)
			switch name {
			case "id":
				return []string{itoa(a.ID)}, true
			case "statement":
				return []string{itoa(a.StatementID)}, true
			case "document", "document__name":
				return []string{a.Document}, true
			case "removed":
				return []string{boolStr(a.Removed)}, true
			}
			return nil, false
		},
	},
	"liaisons/relatedliaisonstatement": {
		filters:   []string{"id", "source", "target", "relationship"},
		list:      fromTable[relRec](func(s *Server) *table[relRec] { return &s.m.related }),
		detail:    detailByID[relRec](func(s *Server) *table[relRec] { return &s.m.related }),
		id:        func(r rec) int64 { return r.(*relRec).ID },
		orderByID: true,
		field: func(_ *Server, r rec, name string) ([]string, bool) {
			x := r.(*relRec)
			switch name {
			case "id":
				return []string{itoa(x.ID)}, true
			case "source":
				return []string{itoa(x.Source)}, true
			case "target":
				return []string{itoa(x.Target)}, true
			case "relationship":
				return []string{x.Relationship}, true
			}
			return nil, false
		},
	},
	"group/group": {
		filters: []string{"id", "acronym", "name", "type", "type__slug", "state", "state__slug", "parent", "parent__"},
		list:    fromTable[groupRec](func(s *Server) *table[groupRec] { return &s.m.groups }),
		detail: func(s *Server, key string) (rec, bool) {
			id, err := strconv.ParseInt(key, 10, 64)
			if err != nil || s.notFoundGroups[id] {
				return nil, false
			}
			g := s.m.groups.get(id)
			return g, g != nil
		},
		id: func(r rec) int64 { return r.(*groupRec).ID },
		field: func(s *Server, r rec, name string) ([]string, bool) {
			g := r.(*groupRec)
			switch name {
			case "id":
				return []string{itoa(g.ID)}, true
			case "acronym":
				return []string{g.Acronym}, true
			case "name":
				return []string{g.Name}, true
			case "type", "type__slug":
				return one(g.Type), true
			case "state", "state__slug":
				return one(g.State), true
			case "parent":
				if g.ParentID == 0 {
					return nil, true
				}
				return []string{itoa(g.ParentID)}, true
			}
			if sub, ok := strings.CutPrefix(name, "parent__"); ok {
				if g.ParentID == 0 {
					return nil, true
				}
				return groupField(s, []int64{g.ParentID}, sub)
			}
			return nil, false
		},
	},
	"group/role": {
		filters:   []string{"id", "name", "name__slug", "group", "person", "email", "group__"},
		list:      fromTable[roleRec](func(s *Server) *table[roleRec] { return &s.m.roles }),
		detail:    detailByID[roleRec](func(s *Server) *table[roleRec] { return &s.m.roles }),
		id:        func(r rec) int64 { return r.(*roleRec).ID },
		orderByID: true,
		// Role.Meta.ordering = ["name_id"].
		defaultOrder: func(_ *Server, rs []rec) {
			slices.SortStableFunc(rs, func(a, b rec) int { return strings.Compare(a.(*roleRec).Name, b.(*roleRec).Name) })
		},
		field: func(s *Server, r rec, name string) ([]string, bool) {
			x := r.(*roleRec)
			switch name {
			case "id":
				return []string{itoa(x.ID)}, true
			case "name", "name__slug":
				return []string{x.Name}, true
			case "group":
				return []string{itoa(x.GroupID)}, true
			case "person":
				return []string{itoa(x.PersonID)}, true
			case "email":
				return one(x.Email), true
			}
			if sub, ok := strings.CutPrefix(name, "group__"); ok {
				return groupField(s, []int64{x.GroupID}, sub)
			}
			return nil, false
		},
	},
	"person/person": {
		filters: []string{"id", "name", "ascii", "plain"},
		list:    fromTable[personRec](func(s *Server) *table[personRec] { return &s.m.persons }),
		detail:  detailByID[personRec](func(s *Server) *table[personRec] { return &s.m.persons }),
		id:      func(r rec) int64 { return r.(*personRec).ID },
		field: func(_ *Server, r rec, name string) ([]string, bool) {
			p := r.(*personRec)
			switch name {
			case "id":
				return []string{itoa(p.ID)}, true
			case "name":
				return []string{p.Name}, true
			case "ascii":
				return []string{p.ASCII}, true
			case "plain":
				return []string{p.Plain}, true
			}
			return nil, false
		},
	},
	"person/email": {
		filters: []string{"address", "person", "active", "primary"},
		list: func(s *Server, _ int64) []rec {
			out := make([]rec, 0, len(s.m.emailOrder))
			for _, a := range s.m.emailOrder {
				out = append(out, s.m.emails[a])
			}
			return out
		},
		detail: func(s *Server, key string) (rec, bool) {
			e := s.m.emails[key]
			return e, e != nil
		},
		id: func(rec) int64 { return 0 },
		field: func(_ *Server, r rec, name string) ([]string, bool) {
			e := r.(*emailRec)
			switch name {
			case "address":
				return []string{e.Address}, true
			case "person":
				return []string{itoa(e.PersonID)}, true
			case "active":
				return []string{boolStr(e.Active)}, true
			case "primary":
				return []string{boolStr(e.Primary)}, true
			}
			return nil, false
		},
	},
	"doc/document": {
		filters: []string{"id", "name", "title", "type", "group", "stream", "std_level", "intended_std_level", "uploaded_filename"},
		list:    fromTable[docRec](func(s *Server) *table[docRec] { return &s.m.docs }),
		detail: func(s *Server, key string) (rec, bool) {
			d := s.m.doc(key)
			return d, d != nil
		},
		id:        func(r rec) int64 { return r.(*docRec).ID },
		orderByID: true,
		field: func(_ *Server, r rec, name string) ([]string, bool) {
			d := r.(*docRec)
			switch name {
			case "id":
				return []string{itoa(d.ID)}, true
			case "name":
				return []string{d.Name}, true
			case "title":
				return []string{d.Title}, true
			case "type":
				return one(d.Type), true
			case "group":
				if d.GroupID == 0 {
					return nil, true
				}
				return []string{itoa(d.GroupID)}, true
			case "stream":
				return one(d.Stream), true
			case "std_level":
				return one(d.StdLevel), true
			case "intended_std_level":
				return one(d.IntendedStdLevel), true
			case "uploaded_filename":
				return []string{d.UploadedFilename}, true
			}
			return nil, false
		},
	},
	"doc/relateddocument": {
		filters:   []string{"id", "source", "target", "source__name", "target__name", "relationship", "relationship__slug"},
		list:      fromTable[docRelRec](func(s *Server) *table[docRelRec] { return &s.m.docRels }),
		detail:    detailByID[docRelRec](func(s *Server) *table[docRelRec] { return &s.m.docRels }),
		id:        func(r rec) int64 { return r.(*docRelRec).ID },
		orderByID: true,
		field: func(s *Server, r rec, name string) ([]string, bool) {
			x := r.(*docRelRec)
			docID := func(n string) []string {
				if d := s.m.doc(n); d != nil {
					return []string{itoa(d.ID)}
				}
				return nil
			}
			switch name {
			case "id":
				return []string{itoa(x.ID)}, true
			case "source":
				return docID(x.Source), true
			case "target":
				return docID(x.Target), true
			case "source__name":
				return []string{x.Source}, true
			case "target__name":
				return []string{x.Target}, true
			case "relationship", "relationship__slug":
				return []string{x.Relationship}, true
			}
			return nil, false
		},
	},
}

func init() {
	for table, rows := range nameTables {
		resources["name/"+table] = &resource{
			list: func(*Server, int64) []rec {
				out := make([]rec, 0, len(rows))
				for i := range rows {
					out = append(out, &rows[i])
				}
				return out
			},
			detail: func(_ *Server, key string) (rec, bool) {
				for i := range rows {
					if rows[i].slug == key {
						return &rows[i], true
					}
				}
				return nil, false
			},
			id:      func(rec) int64 { return 0 },
			filters: []string{"slug", "name"},
			field: func(_ *Server, r rec, name string) ([]string, bool) {
				n := r.(*nameRec)
				switch name {
				case "slug":
					return []string{n.slug}, true
				case "name":
					return []string{n.name}, true
				}
				return nil, false
			},
		}
	}
}

// param is one query parameter in request order.
type param struct{ key, value string }

// parseQuery splits a raw query keeping the order of parameters (tastypie's
// next link keeps the request's order).
func parseQuery(raw string) ([]param, error) {
	var out []param
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		k, err := url.QueryUnescape(k)
		if err != nil {
			return nil, err
		}
		v, err = url.QueryUnescape(v)
		if err != nil {
			return nil, err
		}
		out = append(out, param{k, v})
	}
	return out, nil
}

var lookups = []string{"exact", "iexact", "in", "gt", "gte", "lt", "lte", "contains", "icontains", "startswith", "istartswith", "isnull"}

// filter is one field lookup.
type filter struct {
	field, op string
	values    []string // several for "in"
}

// reserved query parameters are not filters.
var reserved = map[string]bool{"format": true, "limit": true, "offset": true, "order_by": true}

func parseFilters(res *resource, ps []param) ([]filter, error) {
	byKey := map[string]*filter{}
	var order []string
	for _, p := range ps {
		if reserved[p.key] {
			continue
		}
		field, op := p.key, "exact"
		if i := strings.LastIndex(p.key, "__"); i >= 0 && slices.Contains(lookups, p.key[i+2:]) {
			field, op = p.key[:i], p.key[i+2:]
		}
		if !res.knows(field) {
			return nil, fmt.Errorf("dtfake: the field %q does not allow filtering here", field)
		}
		f := byKey[p.key]
		if f == nil {
			f = &filter{field: field, op: op}
			byKey[p.key] = f
			order = append(order, p.key)
		}
		if op == "in" {
			for _, v := range strings.Split(p.value, ",") {
				f.values = append(f.values, v)
			}
		} else {
			f.values = []string{p.value} // Django's QueryDict keeps the last
		}
	}
	out := make([]filter, 0, len(order))
	for _, k := range order {
		out = append(out, *byKey[k])
	}
	return out, nil
}

func (f filter) match(vals []string) bool {
	if f.op == "isnull" {
		want := strings.EqualFold(f.values[0], "true") || f.values[0] == "1"
		return (len(vals) == 0) == want
	}
	for _, v := range vals {
		for _, q := range f.values {
			if matchOne(f.op, v, q) {
				return true
			}
		}
	}
	return false
}

func matchOne(op, v, q string) bool {
	if v == "true" || v == "false" {
		switch strings.ToLower(q) {
		case "1", "true":
			q = "true"
		case "0", "false":
			q = "false"
		}
	}
	switch op {
	case "exact", "in":
		return v == q
	case "iexact":
		return strings.EqualFold(v, q)
	case "contains":
		return strings.Contains(v, q)
	case "icontains":
		return strings.Contains(strings.ToLower(v), strings.ToLower(q))
	case "startswith":
		return strings.HasPrefix(v, q)
	case "istartswith":
		return strings.HasPrefix(strings.ToLower(v), strings.ToLower(q))
	}
	c := compare(v, q)
	switch op {
	case "gt":
		return c > 0
	case "gte":
		return c >= 0
	case "lt":
		return c < 0
	case "lte":
		return c <= 0
	}
	return false
}

// compare compares numerically when both are integers, else as strings
// (ISO dates and UTC times compare correctly as strings).
func compare(a, b string) int {
	x, err1 := strconv.ParseInt(a, 10, 64)
	y, err2 := strconv.ParseInt(b, 10, 64)
	if err1 == nil && err2 == nil {
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	}
	return strings.Compare(a, b)
}
