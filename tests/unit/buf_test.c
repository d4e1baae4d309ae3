/*
 * buf_test.c - reading a whole file into a buffer (buf_read_file)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "tap.h"

static char path[] = "/tmp/tern-buf-test-XXXXXX";

static void
write_file(const char *text)
{
    FILE *fp = fopen(path, "w");
    fputs(text, fp);
    fclose(fp);
}

static void
a_file_is_appended_whole(void)
{
    struct buf b = BUF_INIT;
    buf_puts(&b, "> ");
    write_file("line one\nline two\n");
    ok(buf_read_file(&b, path, 100) == 0, "a file within the limit is read");
    is_str(buf_str(&b), "> line one\nline two\n", "after what the buffer held");
    buf_free(&b);
}

static void
a_file_over_the_limit_is_efbig_and_adds_nothing(void)
{
    struct buf b = BUF_INIT;
    buf_puts(&b, "kept");
    write_file("0123456789x");
    errno = 0;
    ok(buf_read_file(&b, path, 10) == -1 && errno == EFBIG, "a file over the limit is EFBIG");
    is_str(buf_str(&b), "kept", "and the buffer keeps only what it held");
    buf_free(&b);
}

static void
a_missing_file_is_its_open_error(void)
{
    struct buf b = BUF_INIT;
    errno = 0;
    ok(buf_read_file(&b, "/nonexistent/tern-buf-test", 10) == -1 && errno == ENOENT,
       "a missing file is ENOENT");
    buf_free(&b);
}

int
main(void)
{
    int fd = mkstemp(path);
    if (fd < 0) {
        printf("Bail out! mkstemp\n");
        return 1;
    }
    close(fd);
    a_file_is_appended_whole();
    a_file_over_the_limit_is_efbig_and_adds_nothing();
    a_missing_file_is_its_open_error();
    unlink(path);
    return tap_done();
}
