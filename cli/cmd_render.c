/*
 * cmd_render.c - `tern render TEMPLATE`: render a template to stdout
 *
 * Renders a part exactly as the milter's rendering step does, with no
 * added newline, so marketers can preview and tests can compare bytes.
 * What the milter adds afterwards (tracked links, the pixel, the hidden
 * preheader element) belongs to milter/ and is not shown here.
 * The view is --data (a JSON value, inline or @FILE), plus the stored
 * contact under "contact" with --contact. Partials resolve to DIR/name or
 * DIR/name.mustache, DIR being --partials or the template's directory, and
 * with --tenant T first to DIR/T/name or DIR/T/name.mustache (tplpath.h).
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "contact_view.h"
#include "tplfile.h"
#include "tplpath.h"

struct render_args {
    const char *file, *data, *partials, *part, *contact, *tenant;
    bool strict;
};

static int
parse_args(int argc, char **argv, struct render_args *a)
{
    static const struct option opts[] = {{"data", required_argument, NULL, 'd'},
                                         {"partials", required_argument, NULL, 'p'},
                                         {"part", required_argument, NULL, 'P'},
                                         {"strict", no_argument, NULL, 's'},
                                         {"contact", required_argument, NULL, 'c'},
                                         {"tenant", required_argument, NULL, 't'},
                                         {0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': a->data = optarg; break;
        case 'p': a->partials = optarg; break;
        case 'P': a->part = optarg; break;
        case 's': a->strict = true; break;
        case 'c': a->contact = optarg; break;
        case 't': a->tenant = optarg; break;
        default: return -1;
        }
    }
    if (optind != argc - 1) return -1;
    a->file = argv[optind];
    return 0;
}

/* --data: inline JSON, or @FILE. NULL after printing why it is bad. */
static json_t *
load_data(const char *arg)
{
    json_error_t jerr;
    json_t *v = arg[0] == '@' ? json_load_file(arg + 1, JSON_DECODE_ANY, &jerr)
                              : json_loads(arg, JSON_DECODE_ANY, &jerr);
    if (!v) {
        if (arg[0] == '@')
            cli_error("render", "--data %s:%d:%d: %s", arg + 1, jerr.line, jerr.column, jerr.text);
        else
            cli_error("render", "--data: column %d: %s", jerr.column, jerr.text);
    }
    return v;
}

/* Add the stored contact to the view; -1 after printing why not. */
static int
add_contact(struct cli *cli, const struct render_args *a, json_t *view)
{
    if (!json_is_object(view)) {
        cli_error("render", "--contact needs --data to be a JSON object (or absent)");
        return -1;
    }
    struct config *cfg = cli_config(cli);
    if (!cfg) return -1;
    PGconn *conn = cli_connect(cfg, "tern render");
    config_unref(cfg);
    if (!conn) return -1;
    const char *tenant = a->tenant ? a->tenant : "default";
    char err[512];
    json_t *contact = NULL;
    int found = contact_view_by_email(conn, tenant, a->contact, &contact, err, sizeof err);
    PQfinish(conn);
    if (found == 0)
        cli_error("render", "no contact with address %s in tenant %s", a->contact, tenant);
    if (found < 0) cli_error("render", "%s", err);
    if (found != 1) return -1;
    json_object_set_new(view, "contact", contact);
    return 0;
}

struct partial_dir {
    const char *dir, *tenant;
};

/* Partials by the templates directory rule (tplpath.h). 1 found, 0 missing, -1 unreadable. */
static int
load_partial(void *ctx, const char *name, struct buf *src, struct tpl_error *err)
{
    const struct partial_dir *pd = ctx;
    char path[PATH_MAX];
    if (tplpath_find(pd->dir, pd->tenant, name, TPLPATH_PARTIAL, path, sizeof path) != 1) return 0;
    return tplpath_read(path, path, TPL_DEFAULT_MAX_SOURCE, src, err);
}

static char *
dir_of(const char *file)
{
    const char *slash = strrchr(file, '/');
    if (!slash) return strdup(".");
    return strndup(file, slash == file ? 1 : (size_t)(slash - file));
}

/* Which part to render: --part, else html, else text. -1 after printing why. */
static int
choose_part(const struct tplfile *f, const char *name, const char *file)
{
    if (name) {
        int p = tplfile_part_parse(name);
        if (p < 0) {
            cli_error("render",
                      "--part: \"%s\" is not subject, from, reply-to, preheader, "
                      "html or text",
                      name);
            return -1;
        }
        if (!f->part[p]) {
            cli_error("render", "%s has no %s part", file, name);
            return -1;
        }
        return p;
    }
    return f->part[TPLFILE_HTML] ? TPLFILE_HTML : TPLFILE_TEXT;
}

static int
render(const struct render_args *a, json_t *view)
{
    char err[512];
    struct tplfile *f = tplfile_load(a->file, err, sizeof err);
    if (!f) {
        cli_error("render", "%s", err);
        return EXIT_FAIL;
    }
    int part = choose_part(f, a->part, a->file);
    char *dir = a->partials ? NULL : dir_of(a->file);
    struct partial_dir pd = {a->partials ? a->partials : dir, a->tenant};
    struct tpl_set *set = tpl_set_new(load_partial, &pd, NULL);
    struct tpl_render_opts ro = {
        .strict = a->strict, .partial = tpl_set_partial, .partial_ctx = set};
    struct buf out = BUF_INIT;
    struct tpl_error terr = {0};
    int rc = EXIT_FAIL;
    if (part >= 0 && set && tplfile_render(f, part, view, &ro, &out, &terr) == 0) {
        rc = fwrite(out.data ? out.data : "", 1, out.len, stdout) == out.len ? EXIT_OK : EXIT_FAIL;
    } else if (part >= 0) {
        cli_error("render", "%s: %s", a->file, set ? terr.msg : "out of memory");
    }
    buf_free(&out);
    tpl_set_free(set);
    free(dir);
    tplfile_free(f);
    return rc;
}

int
cmd_render(struct cli *cli, int argc, char **argv)
{
    struct render_args a = {0};
    if (parse_args(argc, argv, &a) < 0) {
        cli_usage(cli_command("render"), true);
        return EXIT_USAGE;
    }
    json_t *view = a.data ? load_data(a.data) : json_object();
    if (!view) return EXIT_USAGE;
    int rc = EXIT_FAIL;
    if (!a.contact || add_contact(cli, &a, view) == 0) rc = render(&a, view);
    json_decref(view);
    return rc;
}
