/*
 * cmd_test.c - `tern test [DIR]`: run every *_test.lua under DIR, TAP output
 *
 * DIR (default: the current directory) is a scripts tree: it is loaded as
 * the daemons load it (every *.lua but the tests), so tests can `require`
 * the scripts they test. Each test file then runs in a fresh state of a
 * freshly loaded generation (lua/lh_test.h), so files cannot disturb each
 * other. One TAP line per test, "path: name"; a failure is followed by its
 * reason as TAP diagnostics, file:line first. No database: db.query
 * returns nil, "no database in this context". Test files also get
 * `simulate{...}` (engine/en_simlua.h), which runs journeys of the tree in
 * the generation's second state. Exit 0 when every test passed, 1 when
 * any failed (or the scripts do not load), 2 on usage.
 */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "engine/en_simlua.h"
#include "log.h"
#include "lua/lh.h"
#include "lua/lh_test.h"

#define TEST_FILE_MAX      (1u << 20) /* bytes of one test file, as for scripts */
#define DEFAULT_TIMEOUT_MS 1000
#define TEST_STATES        2 /* the test's state, and the one simulate{} runs journeys in */

struct test_args {
    const char *dir, *templates;
    unsigned timeout_ms;
    bool verbose;
};

static int
parse_args(int argc, char **argv, struct test_args *a)
{
    static const struct option opts[] = {{"templates", required_argument, NULL, 't'},
                                         {"timeout", required_argument, NULL, 'T'},
                                         {"verbose", no_argument, NULL, 'v'},
                                         {0}};
    int c;
    char *end;
    *a = (struct test_args){.dir = ".", .timeout_ms = DEFAULT_TIMEOUT_MS};
    while ((c = getopt_long(argc, argv, "v", opts, NULL)) != -1) {
        switch (c) {
        case 't': a->templates = optarg; break;
        case 'T':
            errno = 0;
            unsigned long ms = strtoul(optarg, &end, 10);
            if (errno || *end || ms < 1 || ms > 600000) {
                cli_error("test", "--timeout: \"%s\" is not a number of milliseconds (1..600000)",
                          optarg);
                return -1;
            }
            a->timeout_ms = (unsigned)ms;
            break;
        case 'v': a->verbose = true; break;
        default: return -1;
        }
    }
    if (optind < argc - 1) return -1;
    if (optind == argc - 1) a->dir = argv[optind];
    return 0;
}

/*
 * ---------------------------------------------------------------
 * finding the test files (nftw has no context argument: one walk at a time)
 * ---------------------------------------------------------------
 */

static struct found {
    char **paths; /* relative to the root, sorted */
    size_t n, cap;
    size_t rootlen;
    bool oom;
} found;

static bool
is_test_file(const char *name)
{
    size_t n = strlen(name);
    return n > 9 && strcmp(name + n - 9, "_test.lua") == 0;
}

static int
visit(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    const char *base = path + ftw->base;
    if (ftw->level > 0 && base[0] == '.') return type == FTW_D ? FTW_SKIP_SUBTREE : FTW_CONTINUE;
    if (type != FTW_F || !is_test_file(base)) return FTW_CONTINUE;
    if (found.n == found.cap) {
        size_t cap = found.cap ? found.cap * 2 : 16;
        char **p = realloc(found.paths, cap * sizeof *p);
        found.oom = !p;
        if (found.oom) return FTW_STOP;
        found.paths = p;
        found.cap = cap;
    }
    found.paths[found.n] = strdup(path + found.rootlen + 1);
    found.oom = !found.paths[found.n];
    if (found.oom) return FTW_STOP;
    found.n++;
    return FTW_CONTINUE;
}

static int
by_path(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
free_found(void)
{
    for (size_t i = 0; i < found.n; i++)
        free(found.paths[i]);
    free(found.paths);
    found = (struct found){0};
}

/* Collect DIR's *_test.lua files (not under dot directories); -1 after printing why. */
static int
find_tests(const char *dir)
{
    found = (struct found){.rootlen = strlen(dir)};
    while (found.rootlen > 1 && dir[found.rootlen - 1] == '/') /* nftw adds its own */
        found.rootlen--;
    if (nftw(dir, visit, 16, FTW_PHYS | FTW_ACTIONRETVAL) != 0 || found.oom) {
        cli_error("test", "%s: %s", dir, found.oom ? "out of memory" : strerror(errno));
        free_found();
        return -1;
    }
    if (found.n) qsort(found.paths, found.n, sizeof *found.paths, by_path);
    return 0;
}

/* The text of DIR/REL, at most TEST_FILE_MAX bytes; -1 with err. */
static int
read_test(const char *dir, const char *rel, struct buf *text, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    if (buf_read_file(text, path, TEST_FILE_MAX) == 0) return 0;
    if (errno == EFBIG)
        snprintf(err, errlen, "%s: larger than %u bytes", rel, TEST_FILE_MAX);
    else
        snprintf(err, errlen, "%s: %s", rel, strerror(errno));
    return -1;
}

/*
 * ---------------------------------------------------------------
 * running and reporting
 * ---------------------------------------------------------------
 */

struct tap {
    const char *file;
    bool verbose;
    unsigned n, failed;
};

/* The reason as TAP diagnostics: its first line, the traceback only when verbose. */
static void
diagnose(const struct tap *t, const char *message)
{
    for (const char *line = message; line && *line;) {
        const char *nl = strchr(line, '\n');
        int len = nl ? (int)(nl - line) : (int)strlen(line);
        printf("#   %.*s\n", len, line);
        if (!t->verbose) break;
        line = nl ? nl + 1 : NULL;
    }
}

static void
report(void *ctx, const char *test, bool ok, const char *message)
{
    struct tap *t = ctx;
    t->n++;
    t->failed += !ok;
    printf("%s %u - %s: %s\n", ok ? "ok" : "not ok", t->n, t->file, test ? test : "?");
    if (!ok) diagnose(t, message);
    fflush(stdout);
}

/*
 * Run one file in a fresh state (`reload`: of a new generation, so no
 * earlier file left anything behind); a file that fails to load counts as
 * one failed test.
 */
static int
run_file(struct lh_pool *pool, const struct test_args *a, const char *rel, bool reload,
         struct tap *t)
{
    struct en_simlua sim = {.pool = pool, .templates_dir = a->templates};
    const struct lh_test_global globals[] = {{"simulate", en_simlua_simulate, &sim}, {0}};
    char err[8192];
    struct buf text = BUF_INIT;
    struct lh_state *st = NULL;
    t->file = rel;
    int rc = reload ? lh_pool_reload(pool, a->dir, err, sizeof err) : 0;
    if (rc == 0 && !(st = lh_lease(pool, err, sizeof err))) rc = -1;
    if (rc == 0) rc = read_test(a->dir, rel, &text, err, sizeof err);
    if (rc == 0)
        rc = lh_test_run(st, rel, buf_str(&text), text.len, globals, report, t, err, sizeof err);
    if (rc < 0) {
        t->n++;
        t->failed++;
        printf("not ok %u - %s\n", t->n, rel);
        diagnose(t, err);
    }
    lh_release(st);
    buf_free(&text);
    return rc;
}

static struct lh_pool *
test_pool(const struct test_args *a)
{
    char err[8192];
    struct lh_limits lim;
    lh_limits_default(&lim);
    lim.call_ms = a->timeout_ms;
    struct lh_services svc = {.templates_dir = a->templates};
    struct lh_pool *pool = lh_pool_new(&lim, TEST_STATES, err, sizeof err);
    if (pool && lh_pool_set_services(pool, &svc) == 0 &&
        lh_pool_reload(pool, a->dir, err, sizeof err) == 0)
        return pool;
    printf("Bail out! %s\n", pool ? err : "cannot create the Lua host");
    lh_pool_free(pool);
    return NULL;
}

int
cmd_test(struct cli *cli, int argc, char **argv)
{
    (void)cli;
    struct test_args a;
    if (parse_args(argc, argv, &a) < 0) {
        cli_usage(cli_command("test"), true);
        return EXIT_USAGE;
    }
    log_setup("tern test", a.verbose ? LOG_LVL_DEBUG : LOG_LVL_WARNING, false);
    if (find_tests(a.dir) < 0) return EXIT_FAIL;
    struct lh_pool *pool = found.n ? test_pool(&a) : NULL;
    struct tap t = {.verbose = a.verbose};
    for (size_t i = 0; pool && i < found.n; i++)
        run_file(pool, &a, found.paths[i], i > 0, &t);
    if (!found.n) printf("1..0 # no *_test.lua files under %s\n", a.dir);
    if (pool) printf("1..%u\n# %u tests, %u failed\n", t.n, t.n, t.failed);
    lh_pool_free(pool);
    bool bailed = found.n && !pool;
    free_found();
    return bailed || t.failed ? EXIT_FAIL : EXIT_OK;
}
