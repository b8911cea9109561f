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
//   - TestLoadConcurrency: 20 users, each in a room of their own, send
//     `!liaison list` at the same moment, 10 rounds, and then "!echo" to an
//     echo bot that answers every message at once; p50 and p95 of both,
//     and the ratio of the p95s (issue 15). The bot's inbox workers are
//     set from chat.inbox_workers when the bot has that option.
//   - TestLoadFanout: one statement announced in 500 bound rooms: the time
//     from posting it in the fake Datatracker until every room has it,
//     beside a plain mautrix sender with as many sends in flight as the
//     bot has outbox workers, in the same rooms and run; 0 duplicates.
//   - TestLoadIdleRSS: the built binary (`liaisonbot run`) with 100 rooms,
//     idle: VmRSS and VmHWM from /proc/<pid>/status.
//
// Sizes come from the environment (LIAISONBOT_LOADTEST_STATEMENTS,
// _ROUNDS, _FANOUT_ROOMS, _CONC_USERS, _CONC_ROUNDS, _RSS_ROOMS, _SETTLE;
// _OUTBOX_WORKERS and _INBOX_WORKERS override the config defaults for a
// sweep); results are logged and,
// when LIAISONBOT_LOADTEST_OUT names a file, appended to it as
// tab-separated lines "name value unit note" that scripts/bench.sh turns
// into docs/performance.md.
package loadtest
