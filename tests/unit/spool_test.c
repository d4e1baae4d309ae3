/*
 * spool_test.c - the durable spool: framing, recovery, rotation, limits,
 * locking and group commit, on real files with real fdatasync
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "spool.h"
#include "spool_crc.h"
#include "tap.h"

static char err[512];

/* A fresh empty directory for one test (removed by the caller). */
static char *
scratch(const char *name)
{
    const char *base = getenv("TERN_TMPDIR") ? getenv("TERN_TMPDIR") : "/tmp";
    mkdir(base, 0700);
    static char path[4096];
    snprintf(path, sizeof path, "%s/spool-%s-XXXXXX", base, name);
    return mkdtemp(path) ? strdup(path) : NULL;
}

static void
remove_dir(char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) diag("could not remove %s", dir);
    free(dir);
}

static int
count_segments(const char *dir, char *last, size_t len)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    char best[256] = "";
    while (d && (e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 4 || strcmp(e->d_name + l - 4, ".seg") != 0) continue;
        n++;
        if (strcmp(e->d_name, best) > 0) snprintf(best, sizeof best, "%s", e->d_name);
    }
    if (d) closedir(d);
    if (last) snprintf(last, len, "%s/%s", dir, best);
    return n;
}

/* Append "rec-N" for N in [from, to) and sync them all. */
static int
append_range(struct spool *sp, int from, int to)
{
    uint64_t seq = 0;
    for (int i = from; i < to; i++) {
        char rec[32];
        int len = snprintf(rec, sizeof rec, "rec-%d", i);
        if (spool_append(sp, rec, (size_t)len, &seq, err, sizeof err) < 0) return -1;
    }
    return to > from ? spool_sync(sp, seq, err, sizeof err) : 0;
}

/* True when the batch holds exactly "rec-from" .. "rec-(to-1)" in order. */
static bool
batch_is(const struct spool_batch *b, int from, int to)
{
    if (b->n != (size_t)(to - from)) {
        diag("batch has %zu records, want %d", b->n, to - from);
        return false;
    }
    for (size_t i = 0; i < b->n; i++) {
        char want[32];
        int len = snprintf(want, sizeof want, "rec-%d", from + (int)i);
        if (b->recs[i].len != (size_t)len || memcmp(b->recs[i].data, want, (size_t)len) != 0) {
            diag("record %zu is \"%.*s\", want \"%s\"", i, (int)b->recs[i].len,
                 (const char *)b->recs[i].data, want);
            return false;
        }
    }
    return true;
}

static void
crc32c_matches_the_standard_check_value(void)
{
    is_int(spool_crc32c(0, "123456789", 9), 0xE3069283u, "CRC-32C of \"123456789\" is E3069283");
}

/* RFC 3720 (iSCSI) B.4 test vectors: whole words and the bytes after them. */
static void
crc32c_matches_the_iscsi_vectors_in_one_go_and_in_pieces(void)
{
    unsigned char zeros[32] = {0}, ones[32], up[32];
    memset(ones, 0xff, sizeof ones);
    for (int i = 0; i < 32; i++)
        up[i] = (unsigned char)i;
    is_int(spool_crc32c(0, zeros, 32), 0x8A9136AAu, "32 zero bytes");
    is_int(spool_crc32c(0, ones, 32), 0x62A8AB43u, "32 bytes of 0xFF");
    is_int(spool_crc32c(0, up, 32), 0x46DD794Eu, "bytes 0 to 31");
    is_int(spool_crc32c(spool_crc32c(0, up, 13), up + 13, 19), 0x46DD794Eu,
           "the same continued over an odd split");
}

static void
append_sync_read_ack_round_trip(void)
{
    char *dir = scratch("roundtrip");
    struct spool *sp = spool_open(dir, NULL, err, sizeof err);
    uint64_t seq = 99;
    ok(sp && spool_append(sp, "hello", 5, &seq, err, sizeof err) == 0, "a record is appended");
    is_int(seq, 0, "the first record of a new spool is number 0");
    ok(spool_sync(sp, seq, err, sizeof err) == 0, "it is synced");
    struct spool_batch b;
    ok(spool_read(sp, 10, &b, err, sizeof err) == 0 && b.n == 1 && b.recs[0].len == 5 &&
           memcmp(b.recs[0].data, "hello", 5) == 0,
       "the reader gets it back byte for byte");
    ok(spool_ack(sp, &b, err, sizeof err) == 0, "it is acked");
    spool_batch_free(&b);
    ok(spool_read(sp, 10, &b, err, sizeof err) == 0 && b.n == 0, "nothing is left after the ack");
    spool_batch_free(&b);
    struct spool_stats st;
    spool_stats(sp, &st);
    ok(st.appended == 1 && st.durable == 1 && st.acked == 1 && st.bytes == 0,
       "the stats count one record appended, durable and acked");
    spool_close(sp);
    remove_dir(dir);
}

static void
unsynced_records_are_not_handed_to_the_reader(void)
{
    char *dir = scratch("unsynced");
    struct spool *sp = spool_open(dir, NULL, err, sizeof err);
    uint64_t seq;
    struct spool_batch b;
    /* The sync thread may sync on its own only when asked; nobody asks here. */
    ok(sp && spool_append(sp, "x", 1, &seq, err, sizeof err) == 0 &&
           spool_read(sp, 10, &b, err, sizeof err) == 0 && b.n == 0,
       "a record nobody synced is not readable yet");
    spool_batch_free(&b);
    ok(spool_sync(sp, seq, err, sizeof err) == 0 && spool_read(sp, 10, &b, err, sizeof err) == 0 &&
           b.n == 1,
       "after the sync it is");
    spool_batch_free(&b);
    spool_close(sp);
    remove_dir(dir);
}

static void
order_is_preserved_across_batches(void)
{
    char *dir = scratch("order");
    struct spool *sp = spool_open(dir, NULL, err, sizeof err);
    ok(sp && append_range(sp, 0, 1000) == 0, "1000 records are appended and synced");
    bool in_order = true;
    for (int from = 0; from < 1000 && in_order; from += 300) {
        struct spool_batch b;
        int to = from + 300 > 1000 ? 1000 : from + 300;
        in_order = spool_read(sp, 300, &b, err, sizeof err) == 0 && batch_is(&b, from, to) &&
                   spool_ack(sp, &b, err, sizeof err) == 0;
        spool_batch_free(&b);
    }
    ok(in_order, "batches of 300 return them in append order");
    spool_close(sp);
    remove_dir(dir);
}

static void
unacked_batch_is_read_again(void)
{
    char *dir = scratch("reread");
    struct spool *sp = spool_open(dir, NULL, err, sizeof err);
    struct spool_batch a, b;
    ok(sp && append_range(sp, 0, 5) == 0 && spool_read(sp, 3, &a, err, sizeof err) == 0 &&
           batch_is(&a, 0, 3),
       "a first read takes three records");
    ok(spool_read(sp, 3, &b, err, sizeof err) == 0 && batch_is(&b, 0, 3),
       "without an ack the next read returns the same three");
    spool_batch_free(&a);
    spool_batch_free(&b);
    spool_close(sp);
    remove_dir(dir);
}

static void
reopen_finds_unacked_records_and_not_acked_ones(void)
{
    char *dir = scratch("reopen");
    struct spool *sp = spool_open(dir, NULL, err, sizeof err);
    struct spool_batch b;
    ok(sp && append_range(sp, 0, 10) == 0 && spool_read(sp, 4, &b, err, sizeof err) == 0 &&
           spool_ack(sp, &b, err, sizeof err) == 0,
       "ten records appended, four acked");
    spool_batch_free(&b);
    spool_close(sp);
    sp = spool_open(dir, NULL, err, sizeof err);
    ok(sp != NULL, "the spool reopens");
    ok(sp && spool_read(sp, 100, &b, err, sizeof err) == 0 && batch_is(&b, 4, 10),
       "the six unacked records are there, the acked ones are not");
    ok(b.n && b.recs[0].seq == 4, "they keep their sequence numbers");
    spool_batch_free(&b);
    uint64_t seq = 0;
    ok(sp && spool_append(sp, "next", 4, &seq, err, sizeof err) == 0 && seq == 10,
       "numbering continues after the last record");
    spool_close(sp);
    remove_dir(dir);
}

static void
truncate_file(const char *path, long cut)
{
    struct stat st;
    if (stat(path, &st) < 0 || truncate(path, st.st_size - cut) < 0) diag("cannot cut %s", path);
}

static void
flip_byte(const char *path, long from_end)
{
    int fd = open(path, O_RDWR);
    struct stat st;
    unsigned char c;
    if (fd < 0 || fstat(fd, &st) < 0 || pread(fd, &c, 1, st.st_size - from_end) != 1) return;
    c ^= 0x5a;
    if (pwrite(fd, &c, 1, st.st_size - from_end) != 1) diag("cannot write %s", path);
    close(fd);
}

/* Ten records "rec-0".."rec-9" (13-byte frames), damaged by `damage`, then reopened. */
static void
torn_tail_case(const char *name, void (*damage)(const char *path), const char *what)
{
    char *dir = scratch(name);
    struct spool *sp = spool_open(dir, NULL, err, sizeof err);
    if (!sp || append_range(sp, 0, 10) < 0) diag("setup: %s", err);
    spool_close(sp);
    char last[4096];
    count_segments(dir, last, sizeof last);
    damage(last);
    sp = spool_open(dir, NULL, err, sizeof err);
    ok(sp != NULL, "a spool whose %s reopens", what);
    struct spool_batch b = {0};
    ok(sp && spool_read(sp, 100, &b, err, sizeof err) == 0 && batch_is(&b, 0, 9),
       "%s: the last record is dropped, the nine before it are kept", what);
    spool_batch_free(&b);
    struct spool_stats st = {0};
    if (sp) spool_stats(sp, &st);
    ok(st.torn_bytes > 0, "%s: the stats say a torn tail was dropped", what);
    uint64_t seq = 0;
    ok(sp && spool_append(sp, "rec-9", 5, &seq, err, sizeof err) == 0 && seq == 9,
       "%s: the next append takes the dropped record's number", what);
    spool_close(sp);
    sp = spool_open(dir, NULL, err, sizeof err);
    ok(sp && spool_read(sp, 100, &b, err, sizeof err) == 0 && batch_is(&b, 0, 10),
       "%s: a record appended after recovery survives the next reopen", what);
    spool_batch_free(&b);
    spool_close(sp);
    remove_dir(dir);
}

static void
cut_mid_record(const char *path)
{
    truncate_file(path, 4); /* half of the last record's payload */
}

static void
flip_last_crc(const char *path)
{
    flip_byte(path, 6); /* "rec-9" is the last 5 bytes; the CRC's last byte is before them */
}

static void
torn_tail_is_dropped_and_earlier_records_kept(void)
{
    torn_tail_case("cut", cut_mid_record, "last record is cut short");
    torn_tail_case("crc", flip_last_crc, "last record has a bad CRC");
}

static void
damage_before_the_last_segment_refuses_to_open(void)
{
    char *dir = scratch("damaged");
    struct spool_opts o = {.segment_bytes = 100};
    struct spool *sp = spool_open(dir, &o, err, sizeof err);
    if (!sp || append_range(sp, 0, 30) < 0) diag("setup: %s", err);
    spool_close(sp);
    char first[4096];
    snprintf(first, sizeof first, "%s/%020d.seg", dir, 0);
    flip_byte(first, 2);
    sp = spool_open(dir, &o, err, sizeof err);
    ok(sp == NULL, "a bad CRC in a segment that is not the last one refuses to open");
    like(err, "00000000000000000000.seg: record ", "the error names the file and the record");
    like(err, "bad CRC", "the error says what is wrong");
    spool_close(sp);
    remove_dir(dir);
}

static void
write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0) diag("cannot write %s", path);
    if (f) fclose(f);
}

static void
segment_created_without_its_header_is_dropped(void)
{
    char *dir = scratch("noheader");
    struct spool *sp = spool_open(dir, NULL, err, sizeof err);
    if (!sp || append_range(sp, 0, 5) < 0) diag("setup: %s", err);
    spool_close(sp);
    char path[4200];
    snprintf(path, sizeof path, "%s/%020d.seg", dir, 5); /* a crash right after creating it */
    write_file(path, "");
    sp = spool_open(dir, NULL, err, sizeof err);
    ok(sp != NULL, "a spool whose newest segment is empty opens");
    ok(access(path, F_OK) != 0, "the empty segment is removed");
    struct spool_batch b = {0};
    uint64_t seq = 0;
    ok(sp && spool_read(sp, 10, &b, err, sizeof err) == 0 && batch_is(&b, 0, 5) &&
           spool_append(sp, "rec-5", 5, &seq, err, sizeof err) == 0 && seq == 5,
       "the records before it are kept and numbering goes on where it would have");
    spool_batch_free(&b);
    spool_close(sp);
    remove_dir(dir);
}

static void
segments_below_the_cursor_are_removed_at_open(void)
{
    char *dir = scratch("leftover");
    struct spool_opts o = {.segment_bytes = 100}; /* six 13-byte frames a segment */
    struct spool *sp = spool_open(dir, &o, err, sizeof err);
    if (!sp || append_range(sp, 0, 30) < 0) diag("setup: %s", err);
    spool_close(sp);
    int before = count_segments(dir, NULL, 0);
    char path[4200];
    snprintf(path, sizeof path, "%s/cursor", dir);
    write_file(path, "20\n"); /* acked up to 20, then a crash before the deletions */
    sp = spool_open(dir, &o, err, sizeof err);
    int after = count_segments(dir, NULL, 0);
    ok(sp && after < before, "segments wholly below the cursor are removed (%d of %d left)", after,
       before);
    struct spool_batch b = {0};
    ok(sp && spool_read(sp, 100, &b, err, sizeof err) == 0 && batch_is(&b, 20, 30),
       "reading resumes at the cursor");
    spool_batch_free(&b);
    spool_close(sp);
    remove_dir(dir);
}

static void
segments_rotate_and_are_deleted_after_ack(void)
{
    char *dir = scratch("rotate");
    struct spool_opts o = {.segment_bytes = 200}; /* about 13 records a segment */
    struct spool *sp = spool_open(dir, &o, err, sizeof err);
    ok(sp && append_range(sp, 0, 100) == 0, "100 records are appended");
    int files = count_segments(dir, NULL, 0);
    ok(files >= 7, "they fill several segment files (%d)", files);
    struct spool_stats st;
    spool_stats(sp, &st);
    is_int(st.segments, files, "the stats count the segment files");
    struct spool_batch b;
    ok(spool_read(sp, 50, &b, err, sizeof err) == 0 && batch_is(&b, 0, 50) &&
           spool_ack(sp, &b, err, sizeof err) == 0,
       "reading across segment boundaries keeps the order");
    spool_batch_free(&b);
    int left = count_segments(dir, NULL, 0);
    ok(left < files && left >= files / 2 - 1,
       "segments whose records are all acked are deleted (%d left)", left);
    ok(spool_read(sp, 100, &b, err, sizeof err) == 0 && batch_is(&b, 50, 100) &&
           spool_ack(sp, &b, err, sizeof err) == 0,
       "the rest is read and acked");
    spool_batch_free(&b);
    is_int(count_segments(dir, NULL, 0), 1, "only the active segment remains");
    spool_close(sp);
    sp = spool_open(dir, &o, err, sizeof err);
    ok(sp && spool_read(sp, 100, &b, err, sizeof err) == 0 && b.n == 0,
       "after reopening nothing is handed out again");
    spool_batch_free(&b);
    spool_close(sp);
    remove_dir(dir);
}

static void
full_spool_refuses_appends_until_acked(void)
{
    char *dir = scratch("full");
    struct spool_opts o = {.max_bytes = 130}; /* ten 13-byte frames */
    struct spool *sp = spool_open(dir, &o, err, sizeof err);
    ok(sp && append_range(sp, 0, 10) == 0, "ten records fill the spool exactly");
    ok(!spool_full(sp), "a spool that accepted every record is not full");
    uint64_t seq;
    ok(spool_append(sp, "rec-10", 6, &seq, err, sizeof err) < 0, "the next append is refused");
    like(err, "spool is full (130 bytes)", "the error says the spool is full and its limit");
    ok(spool_full(sp), "spool_full() says so");
    struct spool_batch b;
    ok(spool_read(sp, 3, &b, err, sizeof err) == 0 && spool_ack(sp, &b, err, sizeof err) == 0,
       "three records are acked");
    spool_batch_free(&b);
    ok(!spool_full(sp), "the spool is no longer full");
    ok(spool_append(sp, "rec-10", 6, &seq, err, sizeof err) == 0, "appends are accepted again");
    spool_close(sp);
    remove_dir(dir);
}

static void
second_opener_gets_a_clear_error(void)
{
    char *dir = scratch("lock");
    struct spool *sp = spool_open(dir, NULL, err, sizeof err);
    struct spool *again = spool_open(dir, NULL, err, sizeof err);
    ok(sp && !again, "a second open of a spool in use fails");
    like(err, "in use by another process, pid ", "the error says it is in use, and by whom");
    like(err, dir, "the error names the directory");
    spool_close(sp);
    again = spool_open(dir, NULL, err, sizeof err);
    ok(again != NULL, "once closed it opens again");
    spool_close(again);
    remove_dir(dir);
}

static void
bad_cursor_is_reported_with_its_file(void)
{
    char *dir = scratch("cursor");
    char path[4200];
    snprintf(path, sizeof path, "%s/cursor", dir);
    FILE *f = fopen(path, "w");
    if (f) fputs("twelve\n", f), fclose(f);
    struct spool *sp = spool_open(dir, NULL, err, sizeof err);
    ok(sp == NULL, "a cursor that is not a number refuses to open");
    like(err, "/cursor:1: not a sequence number", "the error names file:line and the reason");
    spool_close(sp);
    remove_dir(dir);
}

static void
records_of_bad_size_are_refused(void)
{
    char *dir = scratch("size");
    struct spool *sp = spool_open(dir, NULL, err, sizeof err);
    uint64_t seq;
    ok(sp && spool_append(sp, "", 0, &seq, err, sizeof err) < 0, "an empty record is refused");
    char *big = calloc(1, SPOOL_RECORD_MAX + 1);
    ok(big && spool_append(sp, big, SPOOL_RECORD_MAX + 1, &seq, err, sizeof err) < 0,
       "a record over SPOOL_RECORD_MAX is refused");
    like(err, "a record must hold 1 to 1048576 bytes", "the error gives the limits");
    ok(big && spool_append(sp, big, SPOOL_RECORD_MAX, &seq, err, sizeof err) == 0 &&
           spool_sync(sp, seq, err, sizeof err) == 0,
       "a record of exactly SPOOL_RECORD_MAX is kept");
    free(big);
    spool_close(sp);
    remove_dir(dir);
}

static void
failed_write_is_undone_and_the_spool_stays_usable(void)
{
    char *dir = scratch("efbig");
    struct spool *sp = spool_open(dir, NULL, err, sizeof err);
    ok(sp && append_range(sp, 0, 3) == 0, "three records are appended");
    char last[4096];
    count_segments(dir, last, sizeof last);
    struct stat st;
    stat(last, &st);
    /* Let the next write get 10 bytes in, then fail (EFBIG), as a full disk would. */
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    lim = old;
    lim.rlim_cur = (rlim_t)st.st_size + 10;
    setrlimit(RLIMIT_FSIZE, &lim);
    uint64_t seq;
    char big[100];
    memset(big, 'b', sizeof big);
    int rc = spool_append(sp, big, sizeof big, &seq, err, sizeof err);
    setrlimit(RLIMIT_FSIZE, &old);
    ok(rc < 0, "an append the file system refuses fails");
    like(err, "cannot append: ", "the error says what failed and why");
    struct stat after;
    stat(last, &after);
    is_int(after.st_size, st.st_size, "the partial write is cut off again");
    ok(append_range(sp, 3, 4) == 0, "the next append succeeds");
    spool_close(sp);
    sp = spool_open(dir, NULL, err, sizeof err);
    struct spool_batch b = {0};
    struct spool_stats ss = {0};
    if (sp) spool_stats(sp, &ss);
    ok(sp && spool_read(sp, 10, &b, err, sizeof err) == 0 && batch_is(&b, 0, 4) &&
           ss.torn_bytes == 0,
       "after reopening every record is there and nothing was torn");
    spool_batch_free(&b);
    spool_close(sp);
    remove_dir(dir);
}

/* The descriptor this process has open for writing on `path`, or -1. */
static int
fd_writing(const char *path)
{
    for (int fd = 3; fd < 1024; fd++) {
        char link[64], target[4096];
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, target, sizeof target - 1);
        if (n <= 0) continue;
        target[n] = '\0';
        int fl = fcntl(fd, F_GETFL);
        if (strcmp(target, path) == 0 && fl >= 0 && (fl & O_ACCMODE) == O_WRONLY) return fd;
    }
    return -1;
}

static double
cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int async_status = 99;

static void
note_status(void *arg, int status)
{
    (void)arg;
    __atomic_store_n(&async_status, status, __ATOMIC_SEQ_CST);
}

/* A new spool whose active segment is swapped for a pipe: writes still
 * work, fdatasync fails (EINVAL), as on a failing disk. */
static struct spool *
open_failing(const char *name, char **dir, int pipefd[2])
{
    *dir = scratch(name);
    struct spool *sp = spool_open(*dir, NULL, err, sizeof err);
    char last[4096];
    count_segments(*dir, last, sizeof last);
    int fd = fd_writing(last);
    if (!sp || fd < 0 || pipe(pipefd) < 0 || dup2(pipefd[1], fd) != fd) {
        diag("cannot swap the segment of %s for a pipe", *dir);
        spool_close(sp);
        remove_dir(*dir);
        return NULL;
    }
    return sp;
}

static void
close_failing(struct spool *sp, char *dir, int pipefd[2])
{
    spool_close(sp);
    close(pipefd[0]);
    close(pipefd[1]);
    remove_dir(dir);
}

static void
failed_sync_breaks_the_spool_for_good(void)
{
    char *dir;
    int p[2];
    struct spool *sp = open_failing("broken", &dir, p);
    uint64_t seq = 0;
    ok(sp && spool_append(sp, "lost", 4, &seq, err, sizeof err) == 0,
       "an append to a spool whose disk fails still succeeds");
    ok(sp && spool_sync(sp, seq, err, sizeof err) < 0, "its sync fails");
    like(err, "cannot sync segment: ", "the error says the sync failed and why");
    ok(sp && spool_append(sp, "next", 4, &seq, err, sizeof err) < 0, "later appends fail too");
    like(err, "cannot sync segment: ", "with the reason of the failed sync");
    double cpu = cpu_seconds();
    usleep(300000);
    ok(cpu_seconds() - cpu < 0.1, "the sync thread waits instead of spinning");
    if (sp) close_failing(sp, dir, p);
}

static void
async_sync_of_a_broken_spool_reports_failure(void)
{
    char *dir;
    int p[2];
    struct spool *sp = open_failing("broken-async", &dir, p);
    uint64_t seq = 0;
    ok(sp && spool_append(sp, "lost", 4, &seq, err, sizeof err) == 0 &&
           spool_sync_async(sp, seq, note_status, NULL, err, sizeof err) == 0,
       "an asynchronous sync is requested on a spool whose disk fails");
    for (int i = 0; i < 200 && __atomic_load_n(&async_status, __ATOMIC_SEQ_CST) == 99; i++)
        usleep(10000);
    is_int(async_status, -1, "the callback reports the failure");
    if (sp) close_failing(sp, dir, p);
}

#define WRITERS    8
#define PER_WRITER 250

struct writer {
    struct spool *sp;
    int id, failures;
};

static void *
write_and_sync(void *arg)
{
    struct writer *w = arg;
    char e[256];
    for (int i = 0; i < PER_WRITER; i++) {
        char rec[32];
        int len = snprintf(rec, sizeof rec, "w%d-%d", w->id, i);
        uint64_t seq;
        if (spool_append(w->sp, rec, (size_t)len, &seq, e, sizeof e) < 0 ||
            spool_sync(w->sp, seq, e, sizeof e) < 0)
            w->failures++;
    }
    return NULL;
}

/* Each writer's records come back in its own order, all of them, once. */
static bool
every_writer_complete(const struct spool_batch *b)
{
    int next[WRITERS] = {0};
    for (size_t i = 0; i < b->n; i++) {
        int id, n;
        char rec[32];
        snprintf(rec, sizeof rec, "%.*s", (int)b->recs[i].len, (const char *)b->recs[i].data);
        if (sscanf(rec, "w%d-%d", &id, &n) != 2 || id < 0 || id >= WRITERS || n != next[id]) {
            diag("unexpected record %s", rec);
            return false;
        }
        next[id]++;
    }
    for (int i = 0; i < WRITERS; i++)
        if (next[i] != PER_WRITER) return false;
    return true;
}

static void
concurrent_appenders_share_group_commits(void)
{
    char *dir = scratch("group");
    struct spool *sp = spool_open(dir, NULL, err, sizeof err);
    struct writer w[WRITERS];
    pthread_t t[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        w[i] = (struct writer){sp, i, 0};
        pthread_create(&t[i], NULL, write_and_sync, &w[i]);
    }
    int failures = 0;
    for (int i = 0; i < WRITERS; i++) {
        pthread_join(t[i], NULL);
        failures += w[i].failures;
    }
    is_int(failures, 0, "8 threads append and sync 250 records each without an error");
    struct spool_batch b;
    ok(spool_read(sp, 10000, &b, err, sizeof err) == 0 && every_writer_complete(&b),
       "all 2000 records are there, each writer's in its order");
    spool_batch_free(&b);
    struct spool_stats st;
    spool_stats(sp, &st);
    diag("%llu fdatasyncs for %d synced records", (unsigned long long)st.syncs,
         WRITERS * PER_WRITER);
    ok(st.syncs > 0 && st.syncs < WRITERS * PER_WRITER / 2,
       "group commit: far fewer fdatasyncs than records");
    spool_close(sp);
    remove_dir(dir);
}

static void
sync_delay_gathers_more_records_per_sync(void)
{
    char *dir = scratch("gather");
    struct spool_opts o = {.sync_delay_us = 2000};
    struct spool *sp = spool_open(dir, &o, err, sizeof err);
    struct writer w[WRITERS];
    pthread_t t[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        w[i] = (struct writer){sp, i, 0};
        pthread_create(&t[i], NULL, write_and_sync, &w[i]);
    }
    for (int i = 0; i < WRITERS; i++)
        pthread_join(t[i], NULL);
    struct spool_stats st;
    spool_stats(sp, &st);
    diag("%llu fdatasyncs for %d synced records with a 2 ms gathering delay",
         (unsigned long long)st.syncs, WRITERS * PER_WRITER);
    ok(st.syncs > 0 && st.syncs <= WRITERS * PER_WRITER / 4,
       "with sync_delay_us one sync covers several writers' records");
    spool_close(sp);
    remove_dir(dir);
}

struct async_probe {
    struct spool *sp;
    uint64_t seq;
    int status, calls;
    bool durable_when_called;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

static void
probe_done(void *arg, int status)
{
    struct async_probe *p = arg;
    struct spool_stats st;
    spool_stats(p->sp, &st);
    pthread_mutex_lock(&p->mu);
    p->status = status;
    p->calls++;
    p->durable_when_called = st.durable > p->seq;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

static void
sync_async_calls_back_after_durability(void)
{
    char *dir = scratch("async");
    struct spool_opts o = {.sync_delay_us = 2000};
    struct spool *sp = spool_open(dir, &o, err, sizeof err);
    struct async_probe p = {.sp = sp, .status = 99};
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    ok(sp && spool_append(sp, "event", 5, &p.seq, err, sizeof err) == 0 &&
           spool_sync_async(sp, p.seq, probe_done, &p, err, sizeof err) == 0,
       "an asynchronous sync is requested");
    pthread_mutex_lock(&p.mu);
    while (p.calls == 0)
        pthread_cond_wait(&p.cv, &p.mu);
    pthread_mutex_unlock(&p.mu);
    ok(p.status == 0, "the callback reports success");
    ok(p.durable_when_called, "when it runs, the record is already durable");
    spool_close(sp);
    is_int(p.calls, 1, "it ran exactly once");
    uint64_t never = 12345;
    sp = spool_open(dir, NULL, err, sizeof err);
    ok(sp && spool_sync_async(sp, never, probe_done, &p, err, sizeof err) < 0,
       "a sync of a record never appended is refused");
    like(err, "was never appended", "the error says why");
    spool_close(sp);
    pthread_mutex_destroy(&p.mu);
    pthread_cond_destroy(&p.cv);
    remove_dir(dir);
}

int
main(void)
{
    crc32c_matches_the_standard_check_value();
    crc32c_matches_the_iscsi_vectors_in_one_go_and_in_pieces();
    append_sync_read_ack_round_trip();
    unsynced_records_are_not_handed_to_the_reader();
    order_is_preserved_across_batches();
    unacked_batch_is_read_again();
    reopen_finds_unacked_records_and_not_acked_ones();
    torn_tail_is_dropped_and_earlier_records_kept();
    damage_before_the_last_segment_refuses_to_open();
    segment_created_without_its_header_is_dropped();
    segments_below_the_cursor_are_removed_at_open();
    segments_rotate_and_are_deleted_after_ack();
    full_spool_refuses_appends_until_acked();
    second_opener_gets_a_clear_error();
    bad_cursor_is_reported_with_its_file();
    records_of_bad_size_are_refused();
    failed_write_is_undone_and_the_spool_stays_usable();
    failed_sync_breaks_the_spool_for_good();
    async_sync_of_a_broken_spool_reports_failure();
    concurrent_appenders_share_group_commits();
    sync_delay_gathers_more_records_per_sync();
    sync_async_calls_back_after_durability();
    return tap_done();
}
