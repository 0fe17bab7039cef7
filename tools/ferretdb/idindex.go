package main

// FerretDB 1.24 pushes a filter that is exactly {_id: <ObjectId|string>} down to SQLite as
// `WHERE _ferretdb_sjson->'$._id' = ?` (also in its UPDATE and DELETE), but its own _id index is
// on `_ferretdb_sjson->"_id"`. SQLite matches index expressions literally, so every _id lookup
// scans the table. This file keeps a unique index on the exact pushdown expression on every
// collection table of every database file (`<dir>/<db>.sqlite`), which makes those lookups
// index searches.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

const (
	// idExpr must be byte-for-byte FerretDB's metadata.IDColumn, or SQLite will not use the index.
	idExpr      = `_ferretdb_sjson->'$._id'`
	indexSuffix = "_sw_id"
	pollEvery   = 300 * time.Millisecond
	recheckAll  = 20 // every this many passes, look into files even if they seem unchanged
)

// Collection tables are the ones with FerretDB's document column (its metadata table has none)
// and without our index yet.
const missingQuery = `SELECT m.name FROM sqlite_master m
WHERE m.type = 'table'
  AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) c WHERE c.name = '_ferretdb_sjson')
  AND NOT EXISTS (SELECT 1 FROM sqlite_master i WHERE i.type = 'index' AND i.name = m.name || '` + indexSuffix + `')`

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// sqliteDir returns the directory of FerretDB's SQLite URL ("file:/data/"), or "" for in-memory
// databases, which live inside FerretDB's process and cannot be reached.
func sqliteDir(sqliteURL string) (string, error) {
	u, err := url.Parse(sqliteURL)
	if err != nil {
		return "", err
	}
	if u.Query().Get("mode") == "memory" {
		return "", nil
	}
	if u.Path != "" {
		return u.Path, nil
	}
	return u.Opaque, nil
}

// openFile opens an existing database file (mode=rw never creates one, so a database dropped
// meanwhile is not resurrected as an empty file). One connection, waiting up to 5 s for a lock.
func openFile(file string) (*sql.DB, error) {
	u := url.URL{Scheme: "file", Path: file, RawQuery: "mode=rw&_pragma=busy_timeout(5000)&_pragma=journal_mode(wal)"}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// transient reports errors that the next pass retries silently: a lock held too long by FerretDB,
// or a table or database dropped (and maybe created again) while we looked at it.
func transient(err error, file string, opened os.FileInfo) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return true
		}
	}
	if strings.Contains(err.Error(), "no such table") {
		return true
	}
	now, statErr := os.Stat(file)
	return statErr != nil || !os.SameFile(opened, now)
}

type idIndexer struct {
	dir    string
	log    *slog.Logger
	logged map[string]string // last error logged per file/table, so a lasting problem is logged once
	done   map[string]string // file → fileSig when it last had every table indexed
	passes int
}

// fileSig changes whenever FerretDB writes to a database file (in WAL mode, to its -wal file),
// so a pass need not open files where nothing happened.
func fileSig(file string) string {
	sig := ""
	for _, f := range []string{file, file + "-wal"} {
		if st, err := os.Stat(f); err == nil {
			sig += fmt.Sprintf("%d/%d;", st.Size(), st.ModTime().UnixNano())
		}
	}
	return sig
}

func (ix *idIndexer) report(key string, err error) {
	if msg := err.Error(); ix.logged[key] != msg {
		ix.logged[key] = msg
		ix.log.Error("ferretdb-launcher: _id index", slog.String("at", key), slog.String("error", msg))
	}
}

// pass indexes every collection table that lacks the index, in every database file of the directory.
func (ix *idIndexer) pass(ctx context.Context) {
	if ix.passes++; ix.passes%recheckAll == 0 {
		clear(ix.done)
	}
	var files []string
	entries, _ := os.ReadDir(ix.dir) // not Glob: the directory name may contain pattern characters
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sqlite") && !e.IsDir() {
			files = append(files, filepath.Join(ix.dir, e.Name()))
		}
	}
	for file := range ix.done {
		if _, err := os.Stat(file); err != nil {
			delete(ix.done, file)
		}
	}
	for _, file := range files {
		if ctx.Err() != nil {
			return
		}
		ix.indexFile(ctx, file)
	}
}

func (ix *idIndexer) indexFile(ctx context.Context, file string) {
	// An empty file is a database FerretDB is creating right now: look again next time.
	st, err := os.Stat(file)
	if err != nil || st.Size() == 0 {
		return
	}
	sig := fileSig(file)
	if ix.done[file] == sig {
		return
	}
	db, err := openFile(file)
	if err == nil {
		defer db.Close()
		var tables []string
		tables, err = queryStrings(ctx, db, missingQuery)
		if err == nil && len(tables) == 0 {
			ix.done[file] = sig
		}
		for _, t := range tables {
			// One short autocommit statement per table: on a new, empty table it takes the write lock
			// for a moment only.
			q := fmt.Sprintf(`CREATE UNIQUE INDEX IF NOT EXISTS %s ON %s (%s)`, quoteIdent(t+indexSuffix), quoteIdent(t), idExpr)
			if _, err := db.ExecContext(ctx, q); err != nil && !transient(err, file, st) && ctx.Err() == nil {
				ix.report(file+" "+t, err)
			}
		}
	}
	if err != nil && !transient(err, file, st) && ctx.Err() == nil {
		ix.report(file, err)
	}
}

// poll runs a pass every pollEvery until ctx is done, picking up new databases and collections.
func (ix *idIndexer) poll(ctx context.Context) {
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			ix.pass(ctx)
		}
	}
}

func queryStrings(ctx context.Context, db *sql.DB, q string, args ...any) ([]string, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// explain prints, for each collection of a database file, "<collection>\t<table>\t<plan>" where
// plan is the EXPLAIN QUERY PLAN of FerretDB's _id pushdown query (e.g. "SEARCH ... USING INDEX ...").
// With drop, it first drops our indexes (for tests and measurements).
func explain(file string, drop bool) error {
	if _, err := os.Stat(file); err != nil {
		return err
	}
	db, err := openFile(file)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx := context.Background()
	rows, err := db.QueryContext(ctx, `SELECT name, table_name FROM _ferretdb_collections ORDER BY name`)
	if err != nil {
		return err
	}
	var colls [][2]string
	for rows.Next() {
		var c [2]string
		if err := rows.Scan(&c[0], &c[1]); err != nil {
			rows.Close()
			return err
		}
		colls = append(colls, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, c := range colls {
		if drop {
			if _, err := db.ExecContext(ctx, `DROP INDEX IF EXISTS `+quoteIdent(c[1]+indexSuffix)); err != nil {
				return err
			}
		}
		q := fmt.Sprintf(`EXPLAIN QUERY PLAN SELECT _ferretdb_sjson FROM %s WHERE %s = ?`, quoteIdent(c[1]), idExpr)
		plan, err := db.QueryContext(ctx, q, "")
		if err != nil {
			return err
		}
		var steps []string
		for plan.Next() {
			var id, parent, notused int
			var detail string
			if err := plan.Scan(&id, &parent, &notused, &detail); err != nil {
				plan.Close()
				return err
			}
			steps = append(steps, detail)
		}
		plan.Close()
		if err := plan.Err(); err != nil {
			return err
		}
		fmt.Printf("%s\t%s\t%s\n", c[0], c[1], strings.Join(steps, "; "))
	}
	return nil
}
