// Package rules holds the IETF liaison-statement process as pure functions:
// purposes, who may send and who approves, the draft checklist, reply
// addressing, referenced-document warnings, the deadline reminder ladder and
// when a statement counts as answered.
//
// The procedure is draft-iab-rfc4053bis-03 ("Procedures for Handling
// Liaison Statements to and from the IETF"), cited here as "4053bis §x.y".
// Every rule names the section it comes from in its doc comment, and every
// message meant for a person ends with that citation, e.g.
//
//	A For Action statement needs a deadline (4053bis §2.2).
//
// The package does no I/O: no database, chat, HTTP or file access, and no
// clock. Callers pass "today" as a [Date] computed with [DateOf] in the zone
// deadlines are read in (the Datatracker reads them in America/Los_Angeles),
// and pass role and document data they fetched themselves ([Directory],
// [DocInfo]). That keeps every rule deterministic and table-testable.
package rules
