// Command ferretdb-launcher starts an embedded FerretDB (SQLite backend) on
// 127.0.0.1, prints its MongoDB URI on one line of stdout, and stops cleanly on
// SIGTERM/SIGINT or, with -exit-on-eof, when its stdin closes (its parent died).
//
// Before serving, and then every 300 ms while running, it adds a unique index on FerretDB's
// exact _id pushdown expression to every collection table (see idindex.go). With
// -explain <file.sqlite> it only prints the query plan of that _id lookup for each collection of
// the file and exits (-drop-id-index also drops those indexes first; for tests and measurements).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "TCP address to listen on")
	sqliteURL := flag.String("sqlite-url", "", "SQLite URI of an existing directory, e.g. file:/data/ (trailing slash)")
	exitOnEOF := flag.Bool("exit-on-eof", false, "stop when stdin reaches EOF")
	explainFile := flag.String("explain", "", "print the _id lookup query plan of each collection in this .sqlite file and exit")
	dropIndex := flag.Bool("drop-id-index", false, "with -explain: drop the launcher's _id indexes first")
	flag.Parse()

	if *explainFile != "" {
		if err := explain(*explainFile, *dropIndex); err != nil {
			fmt.Fprintln(os.Stderr, "ferretdb-launcher:", err)
			os.Exit(1)
		}
		return
	}

	if *sqliteURL == "" {
		fmt.Fprintln(os.Stderr, "ferretdb-launcher: -sqlite-url is required")
		os.Exit(2)
	}

	// Attributes are formatted only for records that are printed: FerretDB attaches every statement's arguments to
	// its (never printed) debug records, and formatting them eagerly cost about a quarter of its CPU on inserts.
	logger := slog.New(&lazyAttrs{h: slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})})
	// Fewer GC cycles: about 15 % less CPU on inserts, and the heap stays far below 1 GB while seeding 1M reports.
	debug.SetGCPercent(400)
	dir, err := sqliteDir(*sqliteURL)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb-launcher: -sqlite-url:", err)
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if *exitOnEOF {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop()
		}()
	}

	// Index existing tables before FerretDB opens the files (possibly seconds on a big table,
	// but nothing else is using them yet), then keep up with new ones while it runs.
	var ix *idIndexer
	if dir != "" {
		ix = &idIndexer{dir: dir, log: logger, logged: map[string]string{}, done: map[string]string{}}
		ix.pass(ctx)
		if ctx.Err() != nil {
			return
		}
	}

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: *sqliteURL,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb-launcher:", err)
		os.Exit(1)
	}

	polled := make(chan struct{})
	go func() {
		if ix != nil {
			ix.poll(ctx)
		}
		close(polled)
	}()

	done := make(chan struct{})
	go func() {
		_ = f.Run(ctx)
		close(done)
	}()

	fmt.Println(f.MongoDBURI())
	<-done
	stop()
	<-polled // let an index statement in flight finish and close its file
}
