// Package httpapi serves liaisonbot's operational endpoints: /healthz
// (process alive), /readyz (database reachable, chat connected, recent
// successful Datatracker poll), /metrics (Prometheus) and the deadline
// calendars.
package httpapi

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"

	"github.com/liaisonbot/liaisonbot/internal/metrics"
)

// Check is one readiness check; it returns an error when not ready.
type Check struct {
	Name string
	Fn   func(ctx context.Context) error
}

// Server is the HTTP endpoint set.
type Server struct {
	Checks []Check
	Log    zerolog.Logger
	mux    *http.ServeMux
}

// New builds the server; extra handlers (calendars) can be added with
// Handle.
func New(log zerolog.Logger, checks ...Check) *Server {
	s := &Server{Checks: checks, Log: log, mux: http.NewServeMux()}
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("ok\n"))
	})
	s.mux.HandleFunc("GET /readyz", s.ready)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(metrics.Registry, promhttp.HandlerOpts{}))
	return s
}

// Handle adds a route.
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// Handler is the whole mux.
func (s *Server) Handler() http.Handler { return s.mux }

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	status := map[string]string{}
	ok := true
	for _, c := range s.Checks {
		if err := c.Fn(ctx); err != nil {
			ok = false
			status[c.Name] = err.Error()
		} else {
			status[c.Name] = "ok"
		}
	}
	w.Header().Set("Content-Type", "application/json")
	if !ok {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	json.NewEncoder(w).Encode(map[string]any{"ready": ok, "checks": status})
}

// Serve listens on addr until ctx ends, then shuts down gracefully.
func (s *Server) Serve(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.ServeListener(ctx, ln)
}

// ServeListener serves on ln until ctx ends.
func (s *Server) ServeListener(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: s.mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	s.Log.Info().Str("addr", ln.Addr().String()).Msg("HTTP endpoints listening")
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		return err
	}
	return nil
}
