/*
 * csv.h - streaming RFC 4180 CSV reader
 *
 * Owns: reading delimited records from a file descriptor or a memory block,
 * one record at a time, in bounded memory. Input is read in large chunks and
 * field bytes are copied into one reused record buffer, so a record costs no
 * allocation once the buffers have grown. Used by `tern contacts import`.
 * Depends on: lib/buf and libc only.
 *
 * SYNOPSIS
 *     struct csv_reader *r = csv_open_fd(fd, NULL);
 *     struct csv_record rec;
 *     enum csv_status st;
 *     while ((st = csv_next(r, &rec)) == CSV_RECORD || st == CSV_BAD)
 *         st == CSV_RECORD ? use(rec.fields, rec.nfields) : report(rec.line, rec.error);
 *     if (st == CSV_FAIL) fprintf(stderr, "%s\n", csv_error(r));
 *     csv_close(r);
 *
 * RULES
 *     - A UTF-8 byte order mark (EF BB BF) at the very start is skipped.
 *     - LF, CRLF and a lone CR each end a record; one file may mix them.
 *     - A field that starts with '"' is quoted: it may hold delimiters, CR and
 *       LF (kept as they are), and "" stands for one '"'. The quotes are not
 *       part of the value.
 *     - A '"' inside an unquoted field is kept literally (ab"c is `ab"c`): a
 *       lenient reading of RFC 4180, which forbids it.
 *     - Blank lines (an empty physical line where a record would start) are
 *       skipped. A line holding only delimiters is a record of empty fields.
 *     - The last record needs no line end. An empty file has no records.
 *     - Line numbers count physical lines (LF, CRLF or lone CR), including
 *       those inside quoted fields, so every record's `line` is where it
 *       starts in the file as an editor shows it.
 *     - Field values are NUL-terminated, so they can be used as C strings.
 *
 * DIAGNOSTICS
 *     csv_next() returns CSV_BAD for a record that breaks a rule below, with
 *     the record's first line and a reason in `rec->error`; the reader then
 *     skips to that record's end (following quotes, so a quoted newline does
 *     not end it) and the next call returns the next record. The first
 *     problem of a record is reported:
 *         field 3 is 10485760 bytes, over the 1048576-byte limit
 *         record has more than 1024 fields
 *         record is over the 67108864-byte limit
 *         field 2 contains a NUL byte
 *         unexpected character after closing quote in field 1   ("ab"c,d)
 *         quoted field opened on line 7 is never closed        (then CSV_EOF)
 *     Bytes of a bad record are counted, never stored: memory stays bounded
 *     by the limits whatever the input. CSV_FAIL means a read error or out of
 *     memory (csv_error() says which); the reader is unusable afterwards.
 */
#ifndef TERN_CSV_H
#define TERN_CSV_H

#include <stddef.h>

#define CSV_DEFAULT_MAX_FIELD  (1024 * 1024)      /* bytes in one field */
#define CSV_DEFAULT_MAX_FIELDS 1024               /* fields in one record */
#define CSV_DEFAULT_MAX_RECORD (64 * 1024 * 1024) /* bytes in one record, all fields */
#define CSV_DEFAULT_CHUNK      (256 * 1024)       /* bytes per read(2) */

/* Zero members take the defaults; a NULL options pointer means all defaults. */
struct csv_options {
    size_t max_field;  /* longest field value, in bytes after unquoting */
    size_t max_fields; /* most fields in one record */
    size_t max_record; /* most field bytes in one record */
    size_t chunk;      /* read size for fd readers; tests use tiny values */
    char delimiter;    /* ',' by default; may not be '"', CR, LF or NUL */
};

struct csv_field {
    const char *ptr; /* NUL-terminated; valid until the next csv_next() or csv_close() */
    size_t len;
};

struct csv_record {
    struct csv_field *fields; /* owned by the reader; NULL and 0 unless CSV_RECORD */
    size_t nfields;
    unsigned long line; /* physical line (1-based) where the record starts */
    char error[256];    /* reason for CSV_BAD or CSV_FAIL, else "" */
};

enum csv_status {
    CSV_RECORD, /* a good record is in `rec` */
    CSV_BAD,    /* a broken record was skipped; `rec->line` and `rec->error` say why */
    CSV_EOF,    /* no more records */
    CSV_FAIL,   /* read error or out of memory; see csv_error() */
};

/*
 * Open a reader on `fd`, which stays the caller's to close. Returns NULL
 * with errno set on out of memory (ENOMEM) or a forbidden delimiter
 * (EINVAL). Nothing is read until the first csv_next().
 */
struct csv_reader *csv_open_fd(int fd, const struct csv_options *opt);

/* The same over `n` bytes at `p`, which must outlive the reader (tests, fuzzing). */
struct csv_reader *csv_open_mem(const char *p, size_t n, const struct csv_options *opt);

/*
 * Read the next record into `rec`. Returns CSV_RECORD, CSV_BAD (and goes
 * on with the next record on the next call), CSV_EOF, or CSV_FAIL (and
 * keeps returning it). Example: "a,\"b,c\"\r\n" gives two fields, `a` and
 * `b,c`, on line 1.
 */
enum csv_status csv_next(struct csv_reader *r, struct csv_record *rec);

/* Why csv_next() returned CSV_FAIL ("read error: ...", "out of memory"); "" before. */
const char *csv_error(const struct csv_reader *r);

/* Free the reader and its buffers (not the fd). NULL is allowed. */
void csv_close(struct csv_reader *r);

#endif
