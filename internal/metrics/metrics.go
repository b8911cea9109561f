// Package metrics holds liaisonbot's Prometheus metrics.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Registry is the bot's own registry (no global state).
var Registry = prometheus.NewRegistry()

var (
	Commands = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "liaisonbot_commands_total", Help: "Chat commands handled, by verb and result.",
	}, []string{"verb", "result"})
	Announcements = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "liaisonbot_announcements_total", Help: "Statement announcements queued (one per statement and room).",
	})
	Reminders = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "liaisonbot_reminders_total", Help: "Deadline reminders queued (one per statement, rung and room).",
	})
	Sent = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "liaisonbot_chat_sent_total", Help: "Messages delivered to chat, by kind.",
	}, []string{"kind"})
	SendErrors = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "liaisonbot_chat_send_errors_total", Help: "Failed chat sends (each is retried with back-off).",
	})
	SendRetries = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "liaisonbot_chat_send_retries_total", Help: "Chat sends that succeeded after one or more failures.",
	})
	SendFailed = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "liaisonbot_chat_send_failed_total", Help: "Messages given up because the chat server refused them for good, by kind.",
	}, []string{"kind"})
	PollLag = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "liaisonbot_datatracker_poll_lag_seconds", Help: "Seconds since the last successful Datatracker poll.",
	})
	PollErrors = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "liaisonbot_datatracker_poll_errors_total", Help: "Failed Datatracker polls.",
	})
	ApprovalLatency = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "liaisonbot_approval_latency_seconds", Help: "Time from submit to approval of outgoing drafts.",
		Buckets: []float64{60, 600, 3600, 4 * 3600, 86400, 3 * 86400, 7 * 86400, 14 * 86400},
	})
)

func init() {
	Registry.MustRegister(Commands, Announcements, Reminders, Sent, SendErrors, SendRetries, SendFailed, PollLag, PollErrors, ApprovalLatency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
}
