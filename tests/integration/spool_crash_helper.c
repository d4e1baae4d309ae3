/*
 * spool_crash_helper.c - the two halves of the kill -9 test (spool_crash.t)
 *
 *   spool_crash_helper write DIR ACKS ROUND
 *       Four threads append records "ROUND-THREAD-N" (of varying size) and
 *       sync each; only after spool_sync returned is "ROUND-THREAD-N" written
 *       to the file ACKS, the way the tracker answers a request only after
 *       the group commit. Runs until killed.
 *   spool_crash_helper check DIR ACKS
 *       Reopens the spool (recovering it) and prints TAP: every line of ACKS
 *       is a record in the spool, and no record is there twice.
 *   spool_crash_helper append DIR TEXT
 *       Appends the one record TEXT, durably, to a spool no daemon has open
 *       (a record no encoder would write, for the daemons' drains to meet).
 *
 * This proves that an acknowledged record survives the death of the
 * process; the kernel's page cache survives with it, so it is not a test
 * of power loss (that needs a real disk pulled, or dm-flakey).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spool.h"
#include "tap.h"

#define THREADS 4

static struct spool *sp;
static FILE *acks;
static pthread_mutex_t acks_mu = PTHREAD_MUTEX_INITIALIZER;
static const char *round_name;

static void *
writer(void *arg)
{
    int t = (int)(intptr_t)arg;
    char rec[4096], err[256];
    for (unsigned long n = 0;; n++) {
        int len = snprintf(rec, sizeof rec, "%s-%d-%lu", round_name, t, n);
        size_t pad = (n * 7919 + (unsigned long)t * 131) % 3000; /* frames of varying size */
        memset(rec + len + 1, 'x', pad);
        uint64_t seq;
        if (spool_append(sp, rec, (size_t)len + 1 + pad, &seq, err, sizeof err) < 0 ||
            spool_sync(sp, seq, err, sizeof err) < 0) {
            fprintf(stderr, "spool_crash_helper: %s\n", err);
            exit(1);
        }
        pthread_mutex_lock(&acks_mu);
        fprintf(acks, "%s\n", rec); /* rec holds the name up to its NUL */
        fflush(acks);               /* into the kernel: survives SIGKILL */
        pthread_mutex_unlock(&acks_mu);
    }
    return NULL;
}

static int
run_writers(const char *dir, const char *ackpath)
{
    char err[512];
    struct spool_opts o = {.segment_bytes = 64 * 1024}; /* rotate often */
    sp = spool_open(dir, &o, err, sizeof err);
    acks = fopen(ackpath, "a");
    if (!sp || !acks) {
        fprintf(stderr, "spool_crash_helper: %s\n", sp ? "cannot open the ack file" : err);
        return 1;
    }
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_create(&th[i], NULL, writer, (void *)(intptr_t)i);
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    return 0;
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
check(const char *dir, const char *ackpath)
{
    char err[512];
    sp = spool_open(dir, NULL, err, sizeof err);
    ok(sp != NULL, "the spool reopens after kill -9");
    if (!sp) {
        diag("%s", err);
        return tap_done();
    }
    struct spool_batch b;
    ok(spool_read(sp, SIZE_MAX, &b, err, sizeof err) == 0, "every record reads back");
    char **names = calloc(b.n + 1, sizeof *names);
    for (size_t i = 0; names && i < b.n; i++)
        names[i] = strndup(b.recs[i].data, strnlen(b.recs[i].data, b.recs[i].len));
    qsort(names, b.n, sizeof *names, cmp_str);
    size_t dups = 0;
    for (size_t i = 1; i < b.n; i++)
        dups += strcmp(names[i - 1], names[i]) == 0;
    is_int(dups, 0, "no record is in the spool twice");

    FILE *f = fopen(ackpath, "r");
    char line[256];
    size_t acked = 0, missing = 0;
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *key = line;
        acked++;
        if (!bsearch(&key, names, b.n, sizeof *names, cmp_str)) {
            if (missing++ < 5) diag("acknowledged but missing: %s", line);
        }
    }
    if (f) fclose(f);
    diag("%zu records acknowledged, %zu in the spool", acked, b.n);
    ok(acked > 0, "the writer acknowledged records before it was killed");
    is_int(missing, 0, "every acknowledged record is in the spool");
    for (size_t i = 0; names && i < b.n; i++)
        free(names[i]);
    free(names);
    spool_batch_free(&b);
    spool_close(sp);
    return tap_done();
}

static int
append_one(const char *dir, const char *text)
{
    char err[256];
    uint64_t seq;
    struct spool *one = spool_open(dir, NULL, err, sizeof err);
    int rc = one && spool_append(one, text, strlen(text), &seq, err, sizeof err) == 0 &&
                     spool_sync(one, seq, err, sizeof err) == 0
                 ? 0
                 : 1;
    if (rc) fprintf(stderr, "spool_crash_helper: %s\n", err);
    spool_close(one);
    return rc;
}

int
main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "write") == 0) {
        round_name = argv[4];
        return run_writers(argv[2], argv[3]);
    }
    if (argc == 4 && strcmp(argv[1], "check") == 0) return check(argv[2], argv[3]);
    if (argc == 4 && strcmp(argv[1], "append") == 0) return append_one(argv[2], argv[3]);
    fprintf(stderr,
            "usage: spool_crash_helper write DIR ACKS ROUND | check DIR ACKS | append DIR TEXT\n");
    return 2;
}
