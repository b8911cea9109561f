// Package loadtest is liaisonbot's load harness (issue 8 point 8). Its
// scenarios are tests that run only when LIAISONBOT_LOADTEST=1 (`make
// bench` sets it through scripts/bench.sh), each against a real Dendrite
// and a real PostgreSQL from internal/testenv and the fake Datatracker:
//
//   - TestLoadCommandRoundTrip: a read command (`!liaison overdue` when the
//     bot has that verb, and `!liaison list` and `!liaison search`) with
//     10,000 statements on record, timed from the user's send until the
//     reply reaches the user's sync, next to a trivial echo bot (a mautrix
//     client answering "!echo") on the same homeserver in the same run;
//     the figure is the ratio of the medians.
//   - TestLoadFanout: one statement announced in 500 bound rooms: the time
//     from posting it in the fake Datatracker until every room has it.
//   - TestLoadIdleRSS: the built binary (`liaisonbot run`) with 100 rooms,
//     idle: VmRSS and VmHWM from /proc/<pid>/status.
//
// Sizes come from the environment (LIAISONBOT_LOADTEST_STATEMENTS,
// _ROUNDS, _FANOUT_ROOMS, _RSS_ROOMS, _SETTLE); results are logged and,
// when LIAISONBOT_LOADTEST_OUT names a file, appended to it as
// tab-separated lines "name value unit note" that scripts/bench.sh turns
// into docs/performance.md.
package loadtest
