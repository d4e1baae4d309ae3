/*
 * en_notes.c - log lines held until their transaction commits (see en_notes.h)
 */
#include "en_notes.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct en_note {
    enum log_level level;
    const char *module; /* a string literal: LOG_MODULE */
    char *tag, *text;
};

/* Make room for one more line; false when out of memory. */
static bool
grow(struct en_notes *ns)
{
    if (ns->n < ns->cap) return true;
    size_t cap = ns->cap ? ns->cap * 2 : 8;
    struct en_note *v = realloc(ns->v, cap * sizeof *v);
    if (!v) return false;
    ns->v = v, ns->cap = cap;
    return true;
}

void
en_notes_add(struct en_notes *ns, enum log_level level, const char *module, const char *tag,
             const char *fmt, ...)
{
    char *text = NULL;
    va_list ap;
    va_start(ap, fmt);
    int len = vasprintf(&text, fmt, ap);
    va_end(ap);
    char *t = tag ? strdup(tag) : NULL;
    if (len < 0 || (tag && !t) || !grow(ns)) {
        log_msg(level, module, tag, "%s", len < 0 ? fmt : text); /* said now: never lost */
        if (len >= 0) free(text);
        free(t);
        return;
    }
    ns->v[ns->n++] = (struct en_note){level, module, t, text};
}

size_t
en_notes_mark(const struct en_notes *ns)
{
    return ns->n;
}

void
en_notes_drop(struct en_notes *ns, size_t mark)
{
    while (ns->n > mark) {
        struct en_note *x = &ns->v[--ns->n];
        free(x->tag), free(x->text);
    }
}

void
en_notes_say(struct en_notes *ns)
{
    for (size_t i = 0; i < ns->n; i++)
        log_msg(ns->v[i].level, ns->v[i].module, ns->v[i].tag, "%s", ns->v[i].text);
    en_notes_drop(ns, 0);
}

void
en_notes_free(struct en_notes *ns)
{
    en_notes_drop(ns, 0);
    free(ns->v);
    *ns = (struct en_notes)EN_NOTES_INIT;
}
