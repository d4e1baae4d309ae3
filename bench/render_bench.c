/*
 * render_bench.c - Tern's side of bench/render.sh: compile the newsletter
 * once, render it N times against the same view. Prints "renders/s bytes".
 * Usage: render_bench DIR N
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "tpl.h"

static int
load_file(void *ctx, const char *name, struct buf *src, struct tpl_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.mustache", (const char *)ctx, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err->msg, sizeof err->msg, "cannot open %.200s", path);
        return -1;
    }
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(src, chunk, n);
    fclose(f);
    return 1;
}

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: render_bench DIR N\n");
        return 2;
    }
    const char *dir = argv[1];
    long n = atol(argv[2]);
    char path[4096];
    snprintf(path, sizeof path, "%s/view.json", dir);
    json_error_t jerr;
    json_t *view = json_load_file(path, 0, &jerr);
    struct tpl_set *set = tpl_set_new(load_file, (void *)dir, NULL);
    struct tpl_error err = {0};
    const struct tpl *t = set ? tpl_set_get(set, "newsletter", &err) : NULL;
    if (!view || !t) {
        fprintf(stderr, "render_bench: %s\n", !view ? jerr.text : err.msg);
        return 1;
    }
    struct tpl_render_opts ro = {.partial = tpl_set_partial, .partial_ctx = set};
    struct buf out = BUF_INIT;
    for (int i = 0; i < 100; i++) { /* warm up caches, as the reference warms its JIT */
        buf_reset(&out);
        tpl_render(t, view, &ro, &out, &err);
    }
    double t0 = now();
    for (long i = 0; i < n; i++) {
        buf_reset(&out);
        if (tpl_render(t, view, &ro, &out, &err) < 0) {
            fprintf(stderr, "render_bench: %s\n", err.msg);
            return 1;
        }
    }
    double secs = now() - t0;
    printf("%.0f %zu\n", (double)n / secs, out.len);
    buf_free(&out);
    tpl_set_free(set);
    json_decref(view);
    return 0;
}
