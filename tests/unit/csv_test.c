/*
 * csv_test.c - the streaming CSV reader
 *
 * Most tests describe a file and the records it must give, written one per
 * line as "LINE:[field][field]" or "LINE:BAD(reason)", then "EOF". Every
 * such input is read from memory and again from a file with tiny read sizes,
 * so each rule is also checked with its bytes split across reads.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "buf.h"
#include "csv.h"
#include "tap.h"

#define MIB (1024 * 1024)

/* Field bytes with CR and LF made visible. */
static void
show_field(struct buf *out, const struct csv_field *f)
{
    buf_putc(out, '[');
    for (size_t i = 0; i < f->len; i++) {
        if (f->ptr[i] == '\r')
            buf_puts(out, "\\r");
        else if (f->ptr[i] == '\n')
            buf_puts(out, "\\n");
        else
            buf_putc(out, f->ptr[i]);
    }
    if (f->ptr[f->len] != '\0') buf_puts(out, "<not NUL-terminated>");
    buf_putc(out, ']');
}

/* Read every record of `r` into the one-line-per-record summary. */
static void
summarize(struct csv_reader *r, struct buf *out)
{
    struct csv_record rec;
    enum csv_status st;
    while ((st = csv_next(r, &rec)) == CSV_RECORD || st == CSV_BAD) {
        buf_printf(out, "%lu:", rec.line);
        if (st == CSV_BAD) buf_printf(out, "BAD(%s)", rec.error);
        for (size_t i = 0; i < rec.nfields; i++)
            show_field(out, &rec.fields[i]);
        buf_putc(out, '\n');
    }
    if (st == CSV_FAIL)
        buf_printf(out, "FAIL(%s)\n", rec.error);
    else
        buf_puts(out, "EOF\n");
}

/* A file descriptor holding `n` bytes of `p`, positioned at the start. */
static int
file_with(const char *p, size_t n)
{
    FILE *f = tmpfile();
    if (!f) return -1;
    int fd = dup(fileno(f));
    fclose(f); /* the dup keeps the unlinked file alive */
    if (fd < 0) return -1;
    if (write(fd, p, n) != (ssize_t)n || lseek(fd, 0, SEEK_SET) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void
summarize_fd(const char *p, size_t n, struct csv_options o, size_t chunk, struct buf *out)
{
    int fd = file_with(p, n);
    o.chunk = chunk;
    struct csv_reader *r = fd < 0 ? NULL : csv_open_fd(fd, &o);
    if (r)
        summarize(r, out);
    else
        buf_puts(out, "cannot open");
    csv_close(r);
    if (fd >= 0) close(fd);
}

/*
 * The summary of reading `n` bytes at `p` from memory. When a file read
 * with small chunks disagrees, the summary says so, which fails the test.
 */
static char *
parse_n(const char *p, size_t n, const struct csv_options *opt)
{
    static const size_t chunks[] = {1, 2, 3, 5, 64};
    struct csv_options o = opt ? *opt : (struct csv_options){0};
    struct buf want = BUF_INIT, got = BUF_INIT;
    struct csv_reader *r = csv_open_mem(p, n, &o);
    summarize(r, &want);
    csv_close(r);
    for (size_t i = 0; i < sizeof chunks / sizeof *chunks && n < 65536; i++) {
        buf_reset(&got);
        summarize_fd(p, n, o, chunks[i], &got);
        if (strcmp(buf_str(&got), buf_str(&want)) != 0) {
            buf_printf(&want, "MISMATCH with %zu-byte reads:\n%s", chunks[i], buf_str(&got));
            break;
        }
    }
    buf_free(&got);
    return want.data;
}

static char *
parse(const char *text, const struct csv_options *opt)
{
    return parse_n(text, strlen(text), opt);
}

/* Compare a summary, freeing it. */
static void
is_parse(char *got, const char *want, const char *name)
{
    is_str(got, want, name);
    free(got);
}

static void
bom_at_start_is_skipped(void)
{
    is_parse(parse("\xEF\xBB\xBF"
                   "email,tenant\na@x.de,t1\n",
                   NULL),
             "1:[email][tenant]\n2:[a@x.de][t1]\nEOF\n", "BOM before the header is dropped");
    is_parse(parse("a,\xEF\xBB\xBF"
                   "b\n",
                   NULL),
             "1:[a][\xEF\xBB\xBF"
             "b]\nEOF\n",
             "a BOM elsewhere is data");
    is_parse(parse("\xEF\xBB\xBF", NULL), "EOF\n", "a file of only a BOM has no records");
}

static void
lf_crlf_and_lone_cr_end_records(void)
{
    is_parse(parse("a,b\nc,d\r\ne,f\rg,h\n", NULL), "1:[a][b]\n2:[c][d]\n3:[e][f]\n4:[g][h]\nEOF\n",
             "mixed line ends in one file");
    is_parse(parse("a\r\r\nb\n", NULL), "1:[a]\n3:[b]\nEOF\n",
             "CR then CRLF is a record and a blank line");
}

static void
quoted_field_keeps_delimiter(void)
{
    is_parse(parse("\"a,b\",c\n", NULL), "1:[a,b][c]\nEOF\n", "comma inside quotes");
    is_parse(parse("\"\",x,\"\"\n", NULL), "1:[][x][]\nEOF\n", "empty quoted fields");
}

static void
doubled_quote_is_one_quote(void)
{
    is_parse(parse("\"say \"\"hi\"\"\"\n", NULL), "1:[say \"hi\"]\nEOF\n", "\"\" inside quotes");
    is_parse(parse("\"\"\"\"\n", NULL), "1:[\"]\nEOF\n", "a field that is one quote");
}

static void
quoted_newlines_are_kept_and_counted(void)
{
    is_parse(parse("1,\"a\nb\"\n2,\"c\r\nd\"\r\n3,\"e\rf\"\n4,x\n", NULL),
             "1:[1][a\\nb]\n3:[2][c\\r\\nd]\n5:[3][e\\rf]\n7:[4][x]\nEOF\n",
             "LF, CRLF and CR inside quotes are kept, and the next record's line is right");
}

static void
blank_lines_are_skipped(void)
{
    is_parse(parse("\na\n\n\r\n\rb\n\n", NULL), "2:[a]\n6:[b]\nEOF\n",
             "empty lines are not records but are counted");
    is_parse(parse(",\n", NULL), "1:[][]\nEOF\n", "a line of delimiters is a record");
    is_parse(parse("\"\"\n", NULL), "1:[]\nEOF\n", "a line holding \"\" is a record");
}

static void
last_record_needs_no_newline(void)
{
    is_parse(parse("a\nb,c", NULL), "1:[a]\n2:[b][c]\nEOF\n", "unquoted last field");
    is_parse(parse("a\n\"b\"", NULL), "1:[a]\n2:[b]\nEOF\n", "quoted last field");
    is_parse(parse("a,", NULL), "1:[a][]\nEOF\n", "trailing delimiter gives an empty field");
}

static void
empty_file_is_eof(void)
{
    is_parse(parse("", NULL), "EOF\n", "no bytes");
    is_parse(parse("\n\r\n\r", NULL), "EOF\n", "only line ends");
}

/* A record whose field 3 is `size` bytes, quoted, with newlines in it. */
static char *
huge_field_file(size_t size, size_t *n)
{
    const char *head = "a@x.de,1\nb@x.de,2,\"", *tail = "\",z\nc@x.de,3\n";
    size_t hl = strlen(head), tl = strlen(tail);
    char *p = malloc(hl + size + tl);
    if (!p) return NULL;
    memcpy(p, head, hl);
    memset(p + hl, 'x', size);
    for (size_t i = 1000; i < size; i += 4096)
        p[hl + i] = '\n'; /* a quoted newline every 4 KiB: 2560 of them */
    memcpy(p + hl + size, tail, tl);
    *n = hl + size + tl;
    return p;
}

static void
field_over_max_field_is_bad_and_skipped(void)
{
    size_t n;
    char *p = huge_field_file(10 * MIB, &n);
    char *got = p ? parse_n(p, n, NULL) : NULL;
    free(p);
    is_parse(got,
             "1:[a@x.de][1]\n"
             "2:BAD(field 3 is 10485760 bytes, over the 1048576-byte limit)\n"
             "2563:[c@x.de][3]\nEOF\n",
             "10 MiB field is reported with its size and the next record follows");
    struct csv_options small = {.max_field = 3};
    is_parse(parse("abc,\"de\"\"f\"\nabcd\nx\n", &small),
             "1:BAD(field 2 is 4 bytes, over the 3-byte limit)\n"
             "2:BAD(field 1 is 4 bytes, over the 3-byte limit)\n3:[x]\nEOF\n",
             "the limit is on the unquoted value, and a field at the limit is fine");
}

/* Bytes the heap holds for the program, or 0 when it cannot be known. */
static size_t
heap_in_use(void)
{
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
    return mallinfo2().uordblks;
#else
    return 0;
#endif
}

static void
huge_field_is_not_buffered(void)
{
    size_t n;
    char *p = huge_field_file(10 * MIB, &n);
    int fd = p ? file_with(p, n) : -1;
    free(p);
    size_t before = heap_in_use();
    struct csv_reader *r = csv_open_fd(fd, NULL);
    struct csv_record rec;
    int bad = 0;
    enum csv_status st;
    while (r && ((st = csv_next(r, &rec)) == CSV_RECORD || st == CSV_BAD))
        bad += st == CSV_BAD;
    size_t during = heap_in_use();
    csv_close(r);
    if (fd >= 0) close(fd);
    is_int(bad, 1, "the huge field's record is bad");
    if (!before)
        ok(1, "# SKIP heap size is not measurable in this build");
    else
        ok(during<before + 2 * MIB, "reader holds %zu KiB after a 10 MiB field", during> before
               ? (during - before) / 1024
               : 0);
}

static void
too_many_fields_is_bad(void)
{
    struct csv_options o = {.max_fields = 3};
    is_parse(parse("a,b,c\na,b,c,d\na,\"b\nc\",d,e\nz\n", &o),
             "1:[a][b][c]\n2:BAD(record has more than 3 fields)\n"
             "3:BAD(record has more than 3 fields)\n5:[z]\nEOF\n",
             "more than max_fields is bad, quoted newlines are followed to the record's end");
    char line[4 * 1100];
    size_t n = 0;
    for (int i = 0; i < 1025; i++)
        line[n++] = ',';
    line[n++] = '\n';
    is_parse(parse_n(line, n, NULL), "1:BAD(record has more than 1024 fields)\nEOF\n",
             "the default limit is 1024 fields");
}

static void
record_over_max_record_is_bad(void)
{
    struct csv_options o = {.max_record = 6};
    is_parse(parse("abc,def\nabc,defg\nx\n", &o),
             "1:[abc][def]\n2:BAD(record is over the 6-byte limit)\n3:[x]\nEOF\n",
             "the total of a record's fields is bounded too");
    struct csv_options both = {.max_field = 4, .max_record = 6};
    is_parse(parse("abc,defgh\nab,cdefg\n", &both),
             "1:BAD(record is over the 6-byte limit)\n"
             "2:BAD(field 2 is 5 bytes, over the 4-byte limit)\nEOF\n",
             "the limit the first excess byte breaks is reported, whatever the read size");
}

static void
unterminated_quote_is_bad_then_eof(void)
{
    is_parse(parse("a,b\nc,\"d\ne\nf,g\n", NULL),
             "1:[a][b]\n2:BAD(quoted field opened on line 2 is never closed)\nEOF\n",
             "names the line where the quote opened");
    is_parse(parse("a,\nb\n\"x", NULL),
             "1:[a][]\n2:[b]\n3:BAD(quoted field opened on line 3 is never closed)\nEOF\n",
             "at the very end of the file");
    struct csv_options o = {.max_field = 2};
    is_parse(parse("x,\n\"abcdef", &o),
             "1:[x][]\n2:BAD(quoted field opened on line 2 is never closed)\nEOF\n",
             "wins over a field size problem in the same field");
}

static void
text_after_closing_quote_is_bad_and_resyncs(void)
{
    is_parse(parse("\"ab\"c,d\ne,f\n", NULL),
             "1:BAD(unexpected character after closing quote in field 1)\n2:[e][f]\nEOF\n",
             "\"ab\"c is refused");
    is_parse(parse("x,\"ab\" ,\"c\nd\"\ne\n", NULL),
             "1:BAD(unexpected character after closing quote in field 2)\n3:[e]\nEOF\n",
             "resyncs at the record's end, past a later quoted newline");
}

static void
quote_inside_unquoted_field_is_literal(void)
{
    is_parse(parse("ab\"c,d\"\n", NULL), "1:[ab\"c][d\"]\nEOF\n", "quotes mid-field are data");
}

static void
nul_byte_is_bad(void)
{
    static const char in[] = "a,b\nx,y\0z\n\"\0\"\nc\n";
    is_parse(parse_n(in, sizeof in - 1, NULL),
             "1:[a][b]\n2:BAD(field 2 contains a NUL byte)\n"
             "3:BAD(field 1 contains a NUL byte)\n4:[c]\nEOF\n",
             "NUL unquoted and quoted");
}

static void
fields_are_nul_terminated(void)
{
    struct csv_reader *r = csv_open_mem("first,\"se\"\"c\"\n", 14, NULL);
    struct csv_record rec;
    int st = csv_next(r, &rec);
    is_int(st, CSV_RECORD, "a record");
    is_int(rec.nfields, 2, "two fields");
    if (rec.nfields == 2) {
        is_str(rec.fields[0].ptr, "first", "first field is a C string");
        is_str(rec.fields[1].ptr, "se\"c", "unquoted field is a C string");
        is_int(strlen(rec.fields[1].ptr), rec.fields[1].len, "len matches strlen");
    }
    is_int(csv_next(r, &rec), CSV_EOF, "then EOF");
    is_int(csv_next(r, &rec), CSV_EOF, "and EOF again");
    csv_close(r);
}

static void
delimiter_can_be_changed(void)
{
    struct csv_options o = {.delimiter = ';'};
    is_parse(parse("a;\"b;c\";d,e\n", &o), "1:[a][b;c][d,e]\nEOF\n", "semicolon files");
    o.delimiter = '\t';
    is_parse(parse("a\tb\n", &o), "1:[a][b]\nEOF\n", "tab files");
    o.delimiter = '"';
    errno = 0;
    ok(csv_open_mem("", 0, &o) == NULL && errno == EINVAL, "a quote cannot be the delimiter");
    o.delimiter = '\n';
    ok(csv_open_mem("", 0, &o) == NULL && errno == EINVAL, "LF cannot be the delimiter");
}

static void
read_error_is_fail(void)
{
    int fd = open(".", O_RDONLY | O_DIRECTORY);
    struct csv_reader *r = csv_open_fd(fd, NULL);
    struct csv_record rec;
    is_int(csv_next(r, &rec), CSV_FAIL, "reading a directory fails");
    like(rec.error, "read error: ", "rec->error says why");
    like(csv_error(r), "read error: ", "csv_error says why");
    is_int(csv_next(r, &rec), CSV_FAIL, "and keeps failing");
    csv_close(r);
    if (fd >= 0) close(fd);
}

static void
crlf_split_across_reads_is_one_line_end(void)
{
    struct csv_options o = {.chunk = 2};
    int fd = file_with("ab\r\ncd\r\n", 8); /* reads: "ab" "\r\n" ... and "\r" | "\n" at 1 */
    struct csv_reader *r = csv_open_fd(fd, &o);
    struct buf out = BUF_INIT;
    summarize(r, &out);
    is_str(buf_str(&out), "1:[ab]\n2:[cd]\nEOF\n", "2-byte reads");
    csv_close(r);
    close(fd);
    buf_reset(&out);
    o.chunk = 3;
    fd = file_with("ab\r\ncd\r\n", 8);
    r = csv_open_fd(fd, &o);
    summarize(r, &out);
    is_str(buf_str(&out), "1:[ab]\n2:[cd]\nEOF\n", "3-byte reads split the CRLF");
    csv_close(r);
    close(fd);
    buf_free(&out);
}

static void
buffers_are_reused_between_records(void)
{
    struct csv_reader *r = csv_open_mem("aaaa,bbbb\ncc,dd\n", 16, NULL);
    struct csv_record rec;
    csv_next(r, &rec);
    const struct csv_field *first = rec.fields;
    const char *data = rec.nfields ? rec.fields[0].ptr : NULL;
    csv_next(r, &rec);
    ok(rec.fields == first, "the field array is the same");
    ok(rec.nfields && rec.fields[0].ptr == data, "the field bytes reuse the same buffer");
    csv_close(r);
}

int
main(void)
{
    bom_at_start_is_skipped();
    lf_crlf_and_lone_cr_end_records();
    quoted_field_keeps_delimiter();
    doubled_quote_is_one_quote();
    quoted_newlines_are_kept_and_counted();
    blank_lines_are_skipped();
    last_record_needs_no_newline();
    empty_file_is_eof();
    field_over_max_field_is_bad_and_skipped();
    huge_field_is_not_buffered();
    too_many_fields_is_bad();
    record_over_max_record_is_bad();
    unterminated_quote_is_bad_then_eof();
    text_after_closing_quote_is_bad_and_resyncs();
    quote_inside_unquoted_field_is_literal();
    nul_byte_is_bad();
    fields_are_nul_terminated();
    delimiter_can_be_changed();
    read_error_is_fail();
    crlf_split_across_reads_is_one_line_end();
    buffers_are_reused_between_records();
    return tap_done();
}
