/*
 * import.h - upsert contacts from a CSV file
 *
 * Owns: the meaning of an import file's columns and the batch pipeline
 * CSV -> validated rows -> batches in memory -> writer sessions, one
 * transaction per batch: COPY straight into tern.contacts while batches
 * hold only new addresses, else COPY into a staging table and upsert.
 *
 * Columns (header row, names case-insensitive):
 *   email      required; normalized (trimmed, lower-cased) and validated
 *   tenant     optional; empty -> the default tenant; created if new
 *   timezone   IANA name, checked against the server's list
 *   locale     e.g. en, nl_NL, pt-BR
 *   status     subscribed|unsubscribed|bounced|complained|pending; new contacts only
 *              (an import never re-subscribes anyone)
 *   NAME[:type] any other column is attribute NAME; type string (default),
 *              number, int or bool; an empty cell leaves the attribute absent
 *
 * Rows apply in file order: a later row for the same address updates what
 * an earlier one set (reported as a duplicate). A batch never holds the
 * same address twice, so this holds inside batches too; batches written
 * at the same time never share an address (a batch repeating one waits
 * for the batch in flight), so it holds across batches. Bad rows are
 * reported through a callback and skipped; good rows are always kept.
 *
 * Threads: the calling thread reads and validates; `connections` writer
 * threads each use one session: `conn` itself and clones of it (same
 * connection parameters and session settings). `conn` must not be used by
 * the caller until imp_contacts() returns. Batches may commit out of file
 * order, so after a failure the committed rows are a prefix of the file
 * plus, possibly, a few later batches; `err` lists them.
 * Depends on: lib/csv, lib/utf8, lib/email, libpq, pthreads.
 */
#ifndef TERN_IMPORT_H
#define TERN_IMPORT_H

#include <stddef.h>

#include <libpq-fe.h>

struct imp_options {
    const char *default_tenant; /* for rows without a tenant; NULL: "default" */
    size_t batch_rows;          /* rows per transaction; 0: 50000 */
    size_t connections;         /* sessions writing batches at once; 0: 2, at most 8 */
    /* Memory: connections + 1 batches are held at once (about 8 MB each
     * for 50000 rows of a few attributes), plus about 32 bytes per address
     * for finding repeats. */
    /* Called for each rejected row and each duplicate address. */
    void (*report)(void *ctx, unsigned long line, const char *message);
    void *ctx;
};

struct imp_stats {
    unsigned long rows;       /* data rows read */
    unsigned long created;    /* new contacts */
    unsigned long updated;    /* existing contacts changed */
    unsigned long rejected;   /* rows skipped because of a problem */
    unsigned long duplicates; /* rows repeating an earlier row's address */
};

/*
 * Import the CSV read from `fd`. Returns 0 when the whole file was
 * processed (check stats.rejected), -1 when the import had to stop; then
 * `err` says why and which lines were already committed:
 *   "... refused ...; rows up to line 350001 are imported, and lines
 *    400002-450001; later ones are not"
 */
int imp_contacts(PGconn *conn, int fd, const struct imp_options *opt, struct imp_stats *stats,
                 char *err, size_t errlen);

#endif
