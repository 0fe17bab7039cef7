package main

import (
	"context"
	"log/slog"
)

// lazyAttrs keeps With() attributes unformatted until a record is actually handled.
// FerretDB calls logger.With(args...) around every SQL statement (debug logging), and
// slog.TextHandler formats attributes eagerly in WithAttrs — the whole sjson of every inserted
// document, quoted — even though nothing below Error level is ever printed.
type lazyAttrs struct {
	h   slog.Handler
	ops []func(slog.Handler) slog.Handler
}

func (l *lazyAttrs) Enabled(ctx context.Context, lvl slog.Level) bool { return l.h.Enabled(ctx, lvl) }

func (l *lazyAttrs) Handle(ctx context.Context, r slog.Record) error {
	h := l.h
	for _, op := range l.ops {
		h = op(h)
	}
	return h.Handle(ctx, r)
}

func (l *lazyAttrs) with(op func(slog.Handler) slog.Handler) *lazyAttrs {
	ops := make([]func(slog.Handler) slog.Handler, len(l.ops), len(l.ops)+1)
	copy(ops, l.ops)
	return &lazyAttrs{h: l.h, ops: append(ops, op)}
}

func (l *lazyAttrs) WithAttrs(attrs []slog.Attr) slog.Handler {
	return l.with(func(h slog.Handler) slog.Handler { return h.WithAttrs(attrs) })
}

func (l *lazyAttrs) WithGroup(name string) slog.Handler {
	return l.with(func(h slog.Handler) slog.Handler { return h.WithGroup(name) })
}
