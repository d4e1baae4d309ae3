/*
 * cmd_lint.c - `tern lint [PATH] [--templates DIR] [--list]`: load scripts and
 * templates without running them; every problem as file:line: message
 *
 * Scripts: every *.lua under PATH (not *_test.lua, not dot files) loads as
 * a daemon's reload loads it, with the registration checks (lua/lh_reg.h),
 * but a failing file does not stop the others. No journey step, segment
 * filter or hook runs. Templates: every *.tpl and *.mustache file under
 * DIR is parsed and compiled (lib/tplfile.h); partials are not resolved.
 *
 * Which tree: PATH when given (its scripts, and its templates unless
 * --templates names others); else, when a configuration is at hand (-c,
 * $TERN_CONFIG, or the default file exists), its engine.scripts and, unless
 * --templates is given, engine.templates; else the current directory.
 * PATH may be one file: a template is parsed alone; a script is loaded
 * with the tree it belongs to (requires resolve as they would) and only
 * its own problems, and those of the lib/ modules, are reported.
 *
 * Exit status: 0 no problems, 1 problems found (or a tree cannot be read),
 * 2 usage. Problems go to stdout, one per line; a count to stderr.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "pages.h"
#include "lua/lh_duration.h"
#include "lua/lh_reg.h"
#include "tplfile.h"

#define TEMPLATE_DEPTH_MAX 16

struct lint_args {
    const char *scripts, *templates;
    bool list, path_given;
};

struct lint {
    const char *root; /* prefix for script paths; NULL for "." */
    const char *only; /* report only this script (relative to the root); NULL: all */
    unsigned problems;
};

static int
parse_args(int argc, char **argv, struct lint_args *a)
{
    static const struct option opts[] = {
        {"templates", required_argument, NULL, 't'}, {"list", no_argument, NULL, 'l'}, {0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 't': a->templates = optarg; break;
        case 'l': a->list = true; break;
        default: return -1;
        }
    }
    if (optind < argc - 1) return -1;
    if (optind == argc - 1) a->scripts = argv[optind], a->path_given = true;
    return 0;
}

/* Fill in the trees from the configuration when PATH is not given. -1: config errors. */
static int
default_trees(struct cli *cli, struct lint_args *a, struct config **cfg)
{
    *cfg = NULL;
    if (a->scripts) return 0;
    bool have_config =
        cli->config_path || getenv("TERN_CONFIG") || access(CONFIG_DEFAULT_PATH, F_OK) == 0;
    if (!have_config) {
        a->scripts = ".";
        return 0;
    }
    if (!(*cfg = cli_config(cli))) return -1;
    a->scripts = (*cfg)->engine.scripts;
    if (!a->templates) a->templates = (*cfg)->engine.templates;
    return 0;
}

/*
 * ---------------------------------------------------------------
 * scripts
 * ---------------------------------------------------------------
 */

static void
report_script(void *ctx, const char *problem)
{
    struct lint *l = ctx;
    /* One script asked for: its problems, and those of the modules it may require. */
    size_t n = l->only ? strlen(l->only) : 0;
    if (l->only && (strncmp(problem, l->only, n) != 0 || problem[n] != ':') &&
        strncmp(problem, "lib/", 4) != 0)
        return;
    printf("%s%s%s\n", l->root ? l->root : "", l->root ? "/" : "", problem);
    l->problems++;
}

static const char *
trigger_word(const struct lh_trigger *t)
{
    return t->kind == LH_TRIGGER_EVENT ? "on" : "in_segment";
}

static void
list_journey(const struct lint *l, const struct lh_journey_info *j)
{
    printf("%s%s%s:%d: journey %s: entry", l->root ? l->root : "", l->root ? "/" : "", j->file,
           j->line, j->name);
    for (size_t i = 0; i < j->entry.n; i++)
        printf("%s %s \"%s\"", i ? "," : "", trigger_word(&j->entry.v[i]), j->entry.v[i].name);
    printf("; steps");
    for (size_t i = 0; i < j->nsteps; i++)
        printf("%s %s", i ? "," : "", j->steps[i]);
    printf("\n");
}

/* --list: what the tree registered, one line each. */
static void
list_registrations(const struct lint *l, const struct lh_reg *r)
{
    const char *root = l->root ? l->root : "", *sep = l->root ? "/" : "";
    for (size_t i = 0; i < r->njourneys; i++)
        list_journey(l, &r->journeys[i]);
    for (size_t i = 0; i < r->nsegments; i++)
        printf("%s%s%s:%d: segment %s (%s)\n", root, sep, r->segments[i].file, r->segments[i].line,
               r->segments[i].name, r->segments[i].sql ? "sql" : "where");
    if (r->policy.defined) {
        printf("%s%s%s:%d: policy: caps", root, sep, r->policy.file, r->policy.line);
        for (size_t i = 0; i < r->policy.ncaps; i++) {
            char per[32];
            lh_duration_format(r->policy.caps[i].per_s, per, sizeof per);
            printf("%s %u/%s", i ? "," : "", r->policy.caps[i].count, per);
        }
        printf("%s; on_cap %s\n", r->policy.ncaps ? "" : " none",
               r->policy.on_cap == LH_ON_CAP_SKIP ? "skip" : "defer");
    }
    for (size_t i = 0; i < r->nhooks; i++)
        printf("%s%s%s:%d: hook %s\n", root, sep, r->hooks[i].file, r->hooks[i].line,
               r->hooks[i].kind);
}

static int
lint_scripts(struct lint *l, const char *dir, bool list)
{
    char err[2048];
    struct lh_reg *reg = NULL;
    l->root = strcmp(dir, ".") == 0 ? NULL : dir;
    int n = lh_lint_scripts(dir, NULL, report_script, l, list ? &reg : NULL, err, sizeof err);
    if (n < 0) {
        printf("%s\n", err);
        l->problems++;
        return -1;
    }
    if (reg) list_registrations(l, reg);
    lh_reg_free(reg);
    return 0;
}

/*
 * ---------------------------------------------------------------
 * templates
 * ---------------------------------------------------------------
 */

static bool
is_template(const char *name)
{
    size_t n = strlen(name);
    return (n > 4 && strcmp(name + n - 4, ".tpl") == 0) ||
           (n > 9 && strcmp(name + n - 9, ".mustache") == 0);
}

__attribute__((format(printf, 2, 3))) static void
problem(struct lint *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    l->problems++;
}

static void lint_template_dir(struct lint *l, const char *dir, int depth);

static void
lint_template_entry(struct lint *l, const char *dir, const struct dirent *e, int depth)
{
    char path[PATH_MAX], err[1024];
    if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path) {
        problem(l, "%s/%s: path too long", dir, e->d_name);
        return;
    }
    if (e->d_type == DT_DIR) {
        lint_template_dir(l, path, depth + 1);
        return;
    }
    if ((e->d_type != DT_REG && e->d_type != DT_LNK) || !is_template(e->d_name)) return;
    struct tplfile *f = tplfile_load(path, err, sizeof err);
    if (!f) problem(l, "%s", err);
    tplfile_free(f);
}

static void
lint_template_dir(struct lint *l, const char *dir, int depth)
{
    struct dirent **names;
    if (depth > TEMPLATE_DEPTH_MAX) {
        problem(l, "%s: directories nested deeper than %d", dir, TEMPLATE_DEPTH_MAX);
        return;
    }
    int n = scandir(dir, &names, NULL, alphasort); /* sorted: stable output */
    if (n < 0) {
        problem(l, "%s: %s", dir, strerror(errno));
        return;
    }
    for (int i = 0; i < n; i++) {
        if (names[i]->d_name[0] != '.') lint_template_entry(l, dir, names[i], depth);
        free(names[i]);
    }
    free(names);
}

/* Whether the file `path` ends in `suffix`. */
static bool
ends_with(const char *path, const char *suffix)
{
    size_t n = strlen(path), k = strlen(suffix);
    return n > k && strcmp(path + n - k, suffix) == 0;
}

/*
 * `tern lint FILE`: a template alone, or a script with its tree: the tree's root is the
 * folder above journeys/, segments/ or hooks/ when the file is in one, else its own folder.
 */
static void
lint_file(struct lint *l, const char *path, bool list)
{
    char err[1024];
    if (!ends_with(path, ".lua")) {
        struct tplfile *f = tplfile_load(path, err, sizeof err);
        if (!f) problem(l, "%s", err);
        tplfile_free(f);
        return;
    }
    char *copy = strdup(path);
    if (!copy) {
        problem(l, "%s: out of memory", path);
        return;
    }
    char *slash = strrchr(copy, '/');
    const char *file = slash ? slash + 1 : copy;
    char *root = slash ? copy : (char *)".";
    if (slash) *slash = '\0';
    char *parent = strrchr(root, '/') ? strrchr(root, '/') + 1 : root;
    char rel[PATH_MAX];
    if (strcmp(parent, "journeys") == 0 || strcmp(parent, "segments") == 0 ||
        strcmp(parent, "hooks") == 0) {
        snprintf(rel, sizeof rel, "%s/%s", parent, file);
        if (parent == root)
            root = (char *)".";
        else
            parent[-1] = '\0';
    } else {
        snprintf(rel, sizeof rel, "%s", file);
    }
    l->only = rel;
    lint_scripts(l, root, list);
    l->only = NULL;
    free(copy);
}

/* Whether `path` is a directory: check-config checks the trees that are there. */
static bool
is_dir(const char *path)
{
    struct stat sb;
    return path && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* track.pages compiled as tern track compiles it at start and at a reload. */
static void
lint_pages(struct lint *l, const char *dir)
{
    char err[512];
    struct tr_pages *p = tr_pages_new(dir, err, sizeof err);
    if (!p) problem(l, "track.%s", err);
    tr_pages_free(p);
}

unsigned
cli_lint_config_trees(const struct config *cfg)
{
    struct lint l = {0};
    /* Not a problem of the file (a host may run only the milter or the tracker), but said. */
    if (!is_dir(cfg->engine.scripts))
        fprintf(stderr,
                "tern check-config: note: engine.scripts %s is not a directory: tern engine will"
                " not start with it, and tern milter runs no message hooks\n",
                cfg->engine.scripts);
    if (!is_dir(cfg->engine.templates))
        fprintf(stderr,
                "tern check-config: note: engine.templates %s is not a directory: tern engine"
                " cannot send journey mail with it\n",
                cfg->engine.templates);
    log_set_level(LOG_LVL_WARNING); /* no "generation serving" lines */
    if (is_dir(cfg->engine.scripts)) lint_scripts(&l, cfg->engine.scripts, false);
    if (is_dir(cfg->engine.templates)) lint_template_dir(&l, cfg->engine.templates, 0);
    if (cfg->track.pages) lint_pages(&l, cfg->track.pages);
    fflush(stdout);
    return l.problems;
}

int
cmd_lint(struct cli *cli, int argc, char **argv)
{
    struct lint_args a = {0};
    struct config *cfg;
    if (parse_args(argc, argv, &a) < 0) {
        cli_usage(cli_command("lint"), true);
        return EXIT_USAGE;
    }
    if (default_trees(cli, &a, &cfg) < 0) return EXIT_FAIL;
    log_set_level(LOG_LVL_WARNING); /* no "generation serving" lines */
    struct lint l = {0};
    bool given = a.path_given;
    if (given && !is_dir(a.scripts)) {
        lint_file(&l, a.scripts, a.list);
    } else {
        lint_scripts(&l, a.scripts, a.list);
        if (given && !a.templates) a.templates = a.scripts; /* PATH's own templates too */
    }
    if (a.templates) lint_template_dir(&l, a.templates, 0);
    fflush(stdout);
    fprintf(stderr, "tern lint: %u problem%s\n", l.problems, l.problems == 1 ? "" : "s");
    config_unref(cfg);
    return l.problems ? EXIT_FAIL : EXIT_OK;
}
