/*
 * en_mem.c - one contact's store in memory (see en_mem.h)
 */
#include "en_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
log_add(struct en_mem_log **v, size_t *n, int64_t at, const char *what)
{
    char *w = strdup(what);
    struct en_mem_log *p = w ? realloc(*v, (*n + 1) * sizeof *p) : NULL;
    if (!p) {
        free(w);
        return -1;
    }
    p[(*n)++] = (struct en_mem_log){at, w};
    *v = p;
    return 0;
}

int
en_mem_log_event(struct en_mem *m, int64_t at, const char *type)
{
    return log_add(&m->events, &m->nevents, at, type);
}

int
en_mem_log_send(struct en_mem *m, int64_t at, const char *category)
{
    if (strcmp(category, "marketing") == 0) {
        int64_t *v = realloc(m->marketing, (m->nmarketing + 1) * sizeof *v);
        if (!v) return -1;
        v[m->nmarketing++] = at;
        m->marketing = v;
    }
    return log_add(&m->sends, &m->nsends, at, category);
}

static void
free_names(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static int
copy_names(char *const *names, size_t n, char ***out)
{
    char **v = calloc(n ? n : 1, sizeof *v);
    for (size_t i = 0; v && i < n; i++)
        if (!(v[i] = strdup(names[i]))) {
            free_names(v, i);
            return -1;
        }
    if (!v) return -1;
    *out = v;
    return 0;
}

int
en_mem_set_members(struct en_mem *m, char *const *names, size_t n)
{
    char **v;
    if (copy_names(names, n, &v) < 0) return -1;
    free_names(m->members, m->nmembers);
    m->members = v;
    m->nmembers = n;
    return 0;
}

static bool
listed(char *const *v, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], name) == 0) return true;
    return false;
}

bool
en_mem_is_member(const struct en_mem *m, const char *segment)
{
    return listed(m->members, m->nmembers, segment);
}

/*
 * ---------------------------------------------------------------
 * struct en_store over memory
 * ---------------------------------------------------------------
 */

static int
mem_count(void *ctx, const char *type, int64_t since, int64_t *n, char *err, size_t errlen)
{
    (void)err, (void)errlen;
    const struct en_mem *m = ctx;
    *n = 0;
    for (size_t i = 0; i < m->nevents; i++)
        *n += m->events[i].at >= since && strcmp(m->events[i].what, type) == 0;
    return 0;
}

static int
mem_in_segment(void *ctx, const char *name, bool *member, char *err, size_t errlen)
{
    const struct en_mem *m = ctx;
    if (listed(m->sql_segments, m->nsql, name)) {
        snprintf(err, errlen,
                 "c:in_segment: segment \"%s\" is evaluated in PostgreSQL; there is no database "
                 "here",
                 name);
        return -1;
    }
    *member = en_mem_is_member(m, name);
    return 0;
}

static const struct en_store_ops mem_ops = {mem_count, mem_in_segment};

/*
 * ---------------------------------------------------------------
 * life cycle
 * ---------------------------------------------------------------
 */

/* Journeys by priority, highest first; registration order among equals. */
static int
by_priority(const void *a, const void *b)
{
    const struct en_mem_enrollment *x = a, *y = b;
    if (x->journey->priority != y->journey->priority)
        return y->journey->priority - x->journey->priority;
    return x->journey < y->journey ? -1 : x->journey > y->journey;
}

static int
sql_names(struct en_mem *m, const struct lh_reg *reg)
{
    m->sql_segments = calloc(reg->nsegments ? reg->nsegments : 1, sizeof *m->sql_segments);
    if (!m->sql_segments) return -1;
    for (size_t i = 0; i < reg->nsegments; i++) {
        if (!reg->segments[i].sql) continue;
        if (!(m->sql_segments[m->nsql] = strdup(reg->segments[i].name))) return -1;
        m->nsql++;
    }
    return 0;
}

int
en_mem_init(struct en_mem *m, json_t *contact, const struct lh_reg *reg)
{
    *m = (struct en_mem){.contact = contact, .store = {&mem_ops, m}};
    m->enr = calloc(reg->njourneys ? reg->njourneys : 1, sizeof *m->enr);
    if (!m->enr || sql_names(m, reg) < 0) {
        en_mem_free(m);
        return -1;
    }
    for (size_t i = 0; i < reg->njourneys; i++)
        m->enr[i].journey = &reg->journeys[i];
    m->nenr = reg->njourneys;
    qsort(m->enr, m->nenr, sizeof *m->enr, by_priority);
    return 0;
}

void
en_mem_enr_reset(struct en_mem_enrollment *e)
{
    free(e->wait_event);
    json_decref(e->vars);
    json_decref(e->event);
    e->wait_event = NULL, e->vars = NULL, e->event = NULL;
    e->wake_at = 0;
    e->timed_out[0] = '\0';
}

void
en_mem_free(struct en_mem *m)
{
    for (size_t i = 0; i < m->nevents; i++)
        free(m->events[i].what);
    for (size_t i = 0; i < m->nsends; i++)
        free(m->sends[i].what);
    for (size_t i = 0; i < m->nenr; i++)
        en_mem_enr_reset(&m->enr[i]);
    free(m->events), free(m->sends), free(m->marketing), free(m->enr);
    free_names(m->members, m->nmembers);
    free_names(m->sql_segments, m->nsql);
    json_decref(m->contact);
    *m = (struct en_mem){0};
}
