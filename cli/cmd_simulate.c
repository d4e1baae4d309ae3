/*
 * cmd_simulate.c - `tern simulate JOURNEY.lua... [--policy FILE] [--contact JSON]
 * [--events SPEC] [--start ISO8601] [--days N] [--json]`
 *
 * Runs the given journeys for one contact on a virtual clock, without a
 * database (engine/en_sim.h), and prints the timeline: one line per entry,
 * or with --json an array of {"at", "journey", "kind", "step", "template",
 * "detail"} ("at" in seconds since the start).
 *
 * The files load as one scripts tree of their own: each is copied under
 * its file name into a private temporary directory, which is loaded and
 * validated as a reload would, and removed afterwards. Messages name the
 * files as given on the command line. A journey that requires a module
 * needs that module's file listed too, and two files may not share a name.
 *
 * With --templates DIR, each template a send names must be DIR/NAME.tpl or
 * DIR/NAME; a missing one is reported on stderr (once per name).
 *
 * Exit status: 0 the timeline ran, 3 it ran but a step failed (an error
 * entry) or a sent template is missing, 1 the scripts do not load or the
 * run failed, 2 usage.
 */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/stat.h>

#include "buf.h"
#include "cli.h"
#include "engine/en_sim.h"
#include "engine/en_time.h"
#include "engine/en_tz.h"
#include "log.h"
#include "tenant.h"
#include "tplpath.h"
#include "lua/lh_reg.h"

#define FILES_MAX    64
#define DAYS_MAX     3650
#define FILE_MAX     (1u << 20)
#define DEFAULT_DAYS 30

/* A file as given on the command line and where it sits in the private tree. */
struct tree_file {
    const char *given;  /* owned when `module` (a path this command made) */
    char rel[PATH_MAX]; /* "journeys/welcome.lua", "nl/journeys/x.lua", "lib/time.lua", "x.lua" */
    bool module;
};

struct sim_args {
    const char *files[FILES_MAX + 1]; /* the journeys, then the policy */
    size_t nfiles;
    struct tree_file *tree; /* what make_tree copied: the files, then modules */
    size_t ntree;
    const char *contact, *events, *templates;
    int64_t start;
    unsigned days;
    bool json;
};

struct printer {
    const struct sim_args *a;
    bool json, first;
    unsigned errors;
    unsigned missing;   /* sends of templates --templates does not hold */
    const char *tenant; /* the contact's, for templates/<tenant>/ overrides */
    struct buf warned;  /* their names, one per line, each reported once */
};

static int
parse_days(const char *s, unsigned *days)
{
    char *end;
    errno = 0;
    unsigned long d = strtoul(s, &end, 10);
    if (errno || *end || d < 1 || d > DAYS_MAX)
        return cli_error("simulate", "--days: \"%s\" is not a number of days (1..3650)", s), -1;
    *days = (unsigned)d;
    return 0;
}

static int
parse_args(int argc, char **argv, struct sim_args *a)
{
    static const struct option opts[] = {
        {"policy", required_argument, NULL, 'p'},    {"contact", required_argument, NULL, 'c'},
        {"events", required_argument, NULL, 'e'},    {"start", required_argument, NULL, 's'},
        {"days", required_argument, NULL, 'd'},      {"json", no_argument, NULL, 'j'},
        {"templates", required_argument, NULL, 't'}, {0}};
    const char *policy = NULL;
    char why[160];
    int c;
    *a = (struct sim_args){.start = (int64_t)time(NULL), .days = DEFAULT_DAYS};
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'p': policy = optarg; break;
        case 'c': a->contact = optarg; break;
        case 'e': a->events = optarg; break;
        case 's':
            if (en_time_parse(optarg, &a->start, why, sizeof why) < 0)
                return cli_error("simulate", "--start: %s", why), -1;
            break;
        case 'd':
            if (parse_days(optarg, &a->days) < 0) return -1;
            break;
        case 'j': a->json = true; break;
        case 't': a->templates = optarg; break;
        default: return -1;
        }
    }
    if (optind == argc) return cli_error("simulate", "give at least one JOURNEY.lua"), -1;
    if (argc - optind > FILES_MAX) return cli_error("simulate", "more than 64 files"), -1;
    for (int i = optind; i < argc; i++)
        a->files[a->nfiles++] = argv[i];
    if (policy) a->files[a->nfiles++] = policy;
    return 0;
}

/*
 * ---------------------------------------------------------------
 * the scripts tree
 * ---------------------------------------------------------------
 */

static const char *
base_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static int
copy_file(const char *from, const char *to, char *err, size_t errlen)
{
    char chunk[16384];
    FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wbx") : NULL;
    size_t n, total = 0;
    bool ok = in && out;
    while (ok && (n = fread(chunk, 1, sizeof chunk, in)) > 0)
        ok = (total += n) <= FILE_MAX && fwrite(chunk, 1, n, out) == n;
    if (in && ferror(in)) ok = false;
    if (!ok)
        snprintf(err, errlen, "%s: %s", from,
                 !in ? strerror(errno)
                 : !out
                     ? (errno == EEXIST ? "another file of that name is listed" : strerror(errno))
                     : "cannot copy it (over 1 MiB?)");
    if (in) fclose(in);
    if (out && fclose(out) != 0) ok = false;
    return ok ? 0 : -1;
}

/*
 * Whether `dir` looks like the root of a scripts tree: it holds a journeys/
 * folder (lib/ or policy.lua say too little: a source tree holding
 * scripts/ has a lib/, a scratch folder may hold a policy.lua).
 */
static bool
scripts_root(const char *dir, size_t len)
{
    struct stat sb;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%.*s/journeys", (int)len, dir);
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/*
 * A scripts tree's tenant folder holding the folder at `parent` (as in
 * scripts/nl/journeys/): its start and length, or 0 when there is none —
 * the folder above must be a tenant name beside a journeys/ folder, so
 * that `scripts/journeys/` itself is not taken for one.
 */
static size_t
tenant_folder(const char *file, const char *parent, const char **start)
{
    if (parent <= file) return 0;
    const char *end = parent - 1, *t = end;
    while (t > file && t[-1] != '/')
        t--;
    size_t n = (size_t)(end - t);
    if (tenant_folder_shared(t, n) || !tenant_name_valid(t, n)) return 0;
    if (!scripts_root(t > file ? file : ".", t > file ? (size_t)(t - 1 - file) : 1)) return 0;
    *start = t;
    return n;
}

/*
 * Where `file` goes in the private tree. A file in a scripts tree's
 * journeys/, segments/ or hooks/ folder keeps that folder, and the tenant
 * folder above it if any (scripts/nl/journeys/), so the chunk name, the
 * tenant of what it registers and `require` resolve as under the engine;
 * its tree's root goes into `root` (the folder holding lib/) and its
 * tenant into `tenant`. Anything else goes to the top level.
 */
static void
tree_place(const char *file, char *rel, size_t rellen, char *root, size_t rootlen, char *tenant,
           size_t tenantlen)
{
    static const char *const folders[] = {"journeys", "segments", "hooks"};
    const char *base = base_of(file), *t;
    *root = *tenant = '\0';
    snprintf(rel, rellen, "%s", base);
    if (base == file) return;
    size_t dirlen = (size_t)(base - 1 - file);
    const char *parent = file + dirlen;
    while (parent > file && parent[-1] != '/')
        parent--;
    size_t plen = (size_t)(file + dirlen - parent);
    for (size_t i = 0; i < sizeof folders / sizeof *folders; i++) {
        if (plen != strlen(folders[i]) || strncmp(parent, folders[i], plen) != 0) continue;
        size_t tn = tenant_folder(file, parent, &t);
        if (tn) parent = t;
        snprintf(tenant, tenantlen, "%.*s", (int)tn, tn ? t : "");
        snprintf(rel, rellen, "%s%s%s/%s", tenant, tn ? "/" : "", folders[i], base);
        snprintf(root, rootlen, "%.*s", parent > file ? (int)(parent - 1 - file) : 1,
                 parent > file ? file : ".");
        return;
    }
}

/* Copy `given` to DIR/REL, remembered for unmap and removal. */
static int
tree_add(struct sim_args *a, const char *dir, const char *given, const char *rel, bool module,
         char *err, size_t errlen)
{
    struct tree_file *t = realloc(a->tree, (a->ntree + 1) * sizeof *t);
    if (!t) return snprintf(err, errlen, "out of memory"), -1;
    a->tree = t;
    t = &a->tree[a->ntree];
    t->given = given;
    t->module = module;
    snprintf(t->rel, sizeof t->rel, "%s", rel);
    char to[PATH_MAX * 2];
    snprintf(to, sizeof to, "%s/%s", dir, rel);
    for (char *slash = to + strlen(dir) + 1; (slash = strchr(slash, '/')); *slash++ = '/') {
        *slash = '\0'; /* each folder of rel: "nl", then "nl/journeys" */
        if (mkdir(to, 0700) < 0 && errno != EEXIST) {
            snprintf(err, errlen, "%.200s: %s", rel, strerror(errno));
            return -1;
        }
    }
    if (copy_file(given, to, err, errlen) < 0) return -1;
    a->ntree++;
    return 0;
}

/*
 * The modules of a scripts tree (the .lua files in ROOT/SUB/lib, not tests;
 * SUB is "" or a tenant's folder "nl/") go along, for `require`.
 */
static int
tree_add_modules(struct sim_args *a, const char *dir, const char *root, const char *sub, char *err,
                 size_t errlen)
{
    char libdir[PATH_MAX * 2], rel[PATH_MAX], copied[PATH_MAX * 2];
    snprintf(libdir, sizeof libdir, "%s/%slib", root, sub);
    snprintf(copied, sizeof copied, "%s/%slib", dir, sub);
    struct stat sb;
    if (stat(copied, &sb) == 0) return 0; /* this tree's modules are already there */
    DIR *d = opendir(libdir);
    if (!d) return 0;
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (e->d_name[0] == '.' || n < 5 || strcmp(e->d_name + n - 4, ".lua") != 0 ||
            (n > 9 && strcmp(e->d_name + n - 9, "_test.lua") == 0))
            continue;
        char *given = malloc(strlen(libdir) + n + 2);
        if (!given) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
            break;
        }
        sprintf(given, "%s/%s", libdir, e->d_name);
        snprintf(rel, sizeof rel, "%slib/%s", sub, e->d_name);
        rc = tree_add(a, dir, given, rel, true, err, errlen);
        if (rc < 0) free(given); /* else freed with the tree (tree_free) */
    }
    closedir(d);
    return rc;
}

/* A private directory holding a copy of each file (and its tree's modules); -1 with err. */
static int
make_tree(struct sim_args *a, char *dir, size_t dirlen, char *err, size_t errlen)
{
    const char *tmp = getenv("TMPDIR");
    int len = snprintf(dir, dirlen, "%s/tern-simulate.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (len < 0 || (size_t)len >= dirlen || !mkdtemp(dir)) {
        snprintf(err, errlen, "a temporary directory under %.200s: %s", tmp ? tmp : "/tmp",
                 strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < a->nfiles; i++) {
        size_t n = strlen(a->files[i]);
        char rel[PATH_MAX], root[PATH_MAX], tenant[TENANT_NAME_MAX + 2];
        if (n < 5 || strcmp(a->files[i] + n - 4, ".lua") != 0) {
            snprintf(err, errlen, "%s: not a .lua file", a->files[i]);
            return -1;
        }
        tree_place(a->files[i], rel, sizeof rel, root, sizeof root, tenant, sizeof tenant - 1);
        if (*tenant) strcat(tenant, "/");
        if (tree_add(a, dir, a->files[i], rel, false, err, errlen) < 0) return -1;
        if (*tenant && tree_add_modules(a, dir, root, tenant, err, errlen) < 0) return -1;
        if (*root && tree_add_modules(a, dir, root, "", err, errlen) < 0) return -1;
    }
    return 0;
}

static int
remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

static void
remove_tree(const char *dir)
{
    nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* Forget the copied files; their names map messages until the run is over. */
static void
tree_free(struct sim_args *a)
{
    for (size_t i = 0; i < a->ntree; i++)
        if (a->tree[i].module) free((char *)a->tree[i].given);
    free(a->tree);
    a->tree = NULL;
    a->ntree = 0;
}

/* Write `msg` with every line's leading "REL.lua:" replaced by the path as given. */
static void
unmap(const struct sim_args *a, const char *msg, struct buf *out)
{
    buf_reset(out);
    for (const char *line = msg; *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line + 1) : strlen(line);
        for (size_t i = 0; i < a->ntree; i++) {
            const char *r = a->tree[i].rel;
            size_t rl = strlen(r);
            if (len > rl && strncmp(line, r, rl) == 0 && line[rl] == ':') {
                buf_puts(out, a->tree[i].given);
                line += rl, len -= rl;
                break;
            }
        }
        buf_append(out, line, len);
        line += len;
    }
}

/*
 * ---------------------------------------------------------------
 * output
 * ---------------------------------------------------------------
 */

/* "+2d3h15m", "+0s". */
static void
offset_text(int64_t secs, char *out, size_t outlen)
{
    int64_t d = secs / 86400, h = secs / 3600 % 24, m = secs / 60 % 60, s = secs % 60;
    int n = snprintf(out, outlen, "+");
    if (d) n += snprintf(out + n, outlen - (size_t)n, "%" PRId64 "d", d);
    if (h) n += snprintf(out + n, outlen - (size_t)n, "%" PRId64 "h", h);
    if (m) n += snprintf(out + n, outlen - (size_t)n, "%" PRId64 "m", m);
    if (s || n == 1) snprintf(out + n, outlen - (size_t)n, "%" PRId64 "s", s);
}

static json_t *
str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static void
print_json(struct printer *p, const struct en_sim_entry *e, const char *detail)
{
    json_t *o = json_pack("{s:I, s:o, s:s, s:o, s:o, s:o}", "at", (json_int_t)(e->at - p->a->start),
                          "journey", str_or_null(e->journey), "kind", en_sim_kind_name(e->kind),
                          "step", str_or_null(e->step), "template", str_or_null(e->template_name),
                          "detail", str_or_null(detail));
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    printf("%s%s", p->first ? "[\n" : ",\n", text ? text : "null");
    free(text);
    json_decref(o);
}

/* Does --templates hold the template, as the engine's sender looks it up (tplpath.h)? */
static bool
template_exists(const char *dir, const char *tenant, const char *name)
{
    char path[PATH_MAX];
    return tplpath_find(dir, tenant, name, TPLPATH_TEMPLATE, path, sizeof path) == 1;
}

/* Warn once per template a send names that --templates does not hold. */
static void
check_template(struct printer *p, const struct en_sim_entry *e)
{
    if (!p->a->templates || e->kind != EN_SIM_SEND ||
        template_exists(p->a->templates, p->tenant, e->template_name))
        return;
    p->missing++;
    struct buf key = {0};
    buf_printf(&key, "\n%s\n", e->template_name);
    if (!p->warned.len) buf_putc(&p->warned, '\n'); /* "\nname\nname\n" */
    if (!strstr(buf_str(&p->warned), buf_str(&key))) {
        buf_puts(&p->warned, e->template_name);
        buf_putc(&p->warned, '\n');
        cli_error("simulate", "%s sends template \"%s\": no %s.tpl or %s in %s", e->journey,
                  e->template_name, e->template_name, e->template_name, p->a->templates);
    }
    buf_free(&key);
}

static void
print_entry(void *ctx, const struct en_sim_entry *e)
{
    struct printer *p = ctx;
    check_template(p, e);
    struct buf detail = {0};
    char off[48], at[32];
    if (e->detail) unmap(p->a, e->detail, &detail);
    p->errors += e->kind == EN_SIM_ERROR;
    if (p->json) {
        print_json(p, e, e->detail ? buf_str(&detail) : NULL);
    } else {
        offset_text(e->at - p->a->start, off, sizeof off);
        en_time_format(e->at, at, sizeof at);
        printf("%-9s %s  %s  %s  %s", off, at, e->journey ? e->journey : "-",
               en_sim_kind_name(e->kind), e->step ? e->step : "-");
        if (e->template_name) printf("  %s", e->template_name);
        if (e->detail) printf(": %s", buf_str(&detail));
        putchar('\n');
    }
    p->first = false;
    buf_free(&detail);
}

/*
 * ---------------------------------------------------------------
 * the run
 * ---------------------------------------------------------------
 */

/* The default contact with --contact's fields over it (inline JSON or @FILE). */
static json_t *
load_contact(const char *arg, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *c = json_pack("{s:i, s:s, s:s, s:s}", "id", 1, "email", "contact@example.com", "tenant",
                          "default", "timezone", "UTC");
    json_t *given = !arg            ? json_object()
                    : arg[0] == '@' ? json_load_file(arg + 1, 0, &jerr)
                                    : json_loads(arg, 0, &jerr);
    if (!given || !json_is_object(given) || !c || json_object_update(c, given) < 0) {
        snprintf(err, errlen, "--contact: %s",
                 !given ? jerr.text : "want a JSON object like {\"first_name\": \"Ada\"}");
        json_decref(c), json_decref(given);
        return NULL;
    }
    json_decref(given);
    return c;
}

static int
run(const struct sim_args *a, struct lh_pool *pool, json_t *contact, struct printer *p, char *err,
    size_t errlen)
{
    struct en_sim_event *events = NULL;
    size_t nevents = 0;
    if (a->events && en_sim_events_parse(a->events, a->start, &events, &nevents, err, errlen) < 0)
        return -1;
    struct lh_reg *reg = NULL;
    struct lh_state *st = lh_lease(pool, err, errlen);
    int rc = st && lh_reg_get(st, &reg, err, errlen) == 0 ? 0 : -1;
    if (rc == 0) {
        struct en_sim_opts o = {.contact = contact,
                                .events = events,
                                .nevents = nevents,
                                .start = a->start,
                                .end = a->start + a->days * 86400};
        rc = en_sim_run(st, reg, &o, print_entry, p, err, errlen);
        if (p->json) printf("%s", p->first ? "[]\n" : "\n]\n");
    }
    lh_reg_free(reg);
    if (st) lh_release(st);
    en_sim_events_free(events, nevents);
    return rc;
}

/* Whether --events reads; a bad one is a usage error, found before any script loads. */
static bool
events_ok(const struct sim_args *a, char *err, size_t errlen)
{
    struct en_sim_event *events = NULL;
    size_t n = 0;
    if (!a->events) return true;
    if (en_sim_events_parse(a->events, a->start, &events, &n, err, errlen) < 0) return false;
    en_sim_events_free(events, n);
    return true;
}

static int
load_pool(struct sim_args *a, struct lh_pool **out, char *err, size_t errlen)
{
    char dir[PATH_MAX];
    struct lh_pool *pool = lh_pool_new(NULL, 1, err, errlen);
    if (!pool) return -1;
    int rc = make_tree(a, dir, sizeof dir, err, errlen);
    if (rc == 0) rc = lh_pool_reload(pool, dir, err, errlen);
    remove_tree(dir);
    if (rc < 0) {
        lh_pool_free(pool);
        return -1;
    }
    *out = pool;
    return 0;
}

int
cmd_simulate(struct cli *cli, int argc, char **argv)
{
    (void)cli;
    struct sim_args a = {0};
    char err[4096];
    if (parse_args(argc, argv, &a) < 0) {
        cli_usage(cli_command("simulate"), true);
        return EXIT_USAGE;
    }
    log_set_level(LOG_LVL_WARNING); /* no "generation serving" lines */
    struct printer p = {.a = &a, .json = a.json, .first = true};
    struct lh_pool *pool = NULL;
    json_t *contact = load_contact(a.contact, err, sizeof err);
    if (!contact || !events_ok(&a, err, sizeof err)) { /* what was given, not the scripts */
        cli_error("simulate", "%s", err);
        tree_free(&a);
        json_decref(contact);
        return EXIT_USAGE;
    }
    p.tenant = json_string_value(json_object_get(contact, "tenant"));
    int rc = load_pool(&a, &pool, err, sizeof err);
    if (rc == 0) rc = run(&a, pool, contact, &p, err, sizeof err);
    if (rc < 0) {
        struct buf msg = {0};
        unmap(&a, err, &msg);
        cli_error("simulate", "%s", buf_str(&msg));
        buf_free(&msg);
    }
    if (pool) lh_pool_free(pool);
    tree_free(&a);
    json_decref(contact);
    en_tz_flush();
    buf_free(&p.warned);
    return rc < 0 ? EXIT_FAIL : p.errors || p.missing ? EXIT_PARTIAL : EXIT_OK;
}
