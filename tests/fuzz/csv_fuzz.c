/*
 * csv_fuzz.c - libFuzzer target for the CSV reader, UTF-8 check and address normalizer
 *
 * Each input is read twice with small limits: from memory, and from a file
 * in reads of 1-8 bytes (chosen by the first byte), so every chunk boundary
 * gets exercised. Both must give the same records; every field must respect
 * the limits and be NUL-terminated, and is fed to utf8_valid() and
 * email_normalize(). Any disagreement traps.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "buf.h"
#include "csv.h"
#include "email.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct csv_options limits = {.max_field = 64, .max_fields = 8, .max_record = 256};

static void
check_field(const struct csv_field *f, struct buf *addr)
{
    char err[128];
    size_t bad;
    if (f->len > limits.max_field || f->ptr[f->len] != '\0' || strlen(f->ptr) != f->len)
        __builtin_trap();
    if (!utf8_valid(f->ptr, f->len, &bad) && bad >= f->len) __builtin_trap();
    enum email_status st = email_normalize(f->ptr, f->len, addr, err, sizeof err);
    if (st == EMAIL_OK &&
        (addr->len == 0 || addr->len > f->len || !memchr(addr->data, '@', addr->len)))
        __builtin_trap();
    if (st == EMAIL_INVALID && (!err[0] || addr->len)) __builtin_trap();
}

/* Every record of `r` as one comparable byte string. */
static void
summarize(struct csv_reader *r, struct buf *out, struct buf *addr)
{
    struct csv_record rec;
    enum csv_status st;
    unsigned long last = 0;
    while ((st = csv_next(r, &rec)) == CSV_RECORD || st == CSV_BAD) {
        if (rec.line <= last || rec.nfields > limits.max_fields) __builtin_trap();
        if (st == CSV_BAD && (!rec.error[0] || rec.nfields)) __builtin_trap();
        last = rec.line;
        buf_printf(out, "%d %lu %zu %s|", (int)st, rec.line, rec.nfields, rec.error);
        for (size_t i = 0; i < rec.nfields; i++) {
            check_field(&rec.fields[i], addr);
            buf_append(out, rec.fields[i].ptr, rec.fields[i].len + 1);
        }
    }
    buf_printf(out, "end %d", (int)st);
}

static int
file_with(const uint8_t *data, size_t size)
{
    int fd = memfd_create("csv_fuzz", 0);
    if (fd < 0) return -1;
    if (write(fd, data, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct buf mem = BUF_INIT, file = BUF_INIT, addr = BUF_INIT;
    struct csv_reader *r = csv_open_mem((const char *)data, size, &limits);
    if (!r) return 0;
    summarize(r, &mem, &addr);
    csv_close(r);

    struct csv_options o = limits;
    o.chunk = size ? (size_t)(data[0] % 8) + 1 : 1;
    int fd = file_with(data, size);
    r = fd >= 0 ? csv_open_fd(fd, &o) : NULL;
    if (r) {
        summarize(r, &file, &addr);
        if (file.len != mem.len || memcmp(file.data, mem.data, mem.len) != 0) __builtin_trap();
    }
    csv_close(r);
    if (fd >= 0) close(fd);
    buf_free(&mem);
    buf_free(&file);
    buf_free(&addr);
    return 0;
}
