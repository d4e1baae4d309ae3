/*
 * session.c - generation, connection and message lifetimes (see session.h)
 */
#include "session.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static unsigned long next_gen_id = 1; /* atomic */

struct milter_gen *
milter_gen_new(struct config *cfg, const struct milter_deps *deps, char *err, size_t errlen)
{
    struct milter_gen *g = calloc(1, sizeof *g);
    if (!g) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    g->refcount = 1;
    g->deps = deps;
    g->cfg = config_ref(cfg);
    g->ring = tok_keyring_new();
    const char *old = cfg->keys.hmac_old ? cfg->keys.hmac_old : "";
    if (!g->ring) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (tok_keyring_add(g->ring, cfg->keys.hmac, true, err, errlen) < 0 ||
        tok_keyring_add(g->ring, old, false, err, errlen) < 0)
        goto fail;
    g->trust = trust_new(cfg->milter.trusted_networks, err, errlen);
    if (!g->trust) goto fail;
    g->split = cfg->milter.multi_recipient && strcmp(cfg->milter.multi_recipient, "split") == 0;
    g->tempfail_on_error = cfg->milter.on_error && strcmp(cfg->milter.on_error, "tempfail") == 0;
    g->id = __atomic_fetch_add(&next_gen_id, 1, __ATOMIC_RELAXED);
    return g;
fail:
    milter_gen_unref(g);
    return NULL;
}

struct milter_gen *
milter_gen_ref(struct milter_gen *g)
{
    if (g) __atomic_add_fetch(&g->refcount, 1, __ATOMIC_RELAXED);
    return g;
}

void
milter_gen_unref(struct milter_gen *g)
{
    if (!g || __atomic_sub_fetch(&g->refcount, 1, __ATOMIC_ACQ_REL) > 0) return;
    tok_keyring_free(g->ring);
    trust_free(g->trust);
    if (g->cfg) config_unref(g->cfg);
    free(g);
}

/*
 * Body buffers of closed connections, for new ones: a client that sends
 * one message per connection (most do) would otherwise grow a fresh
 * buffer by reallocation for every message.
 */
static pthread_mutex_t stash_lock = PTHREAD_MUTEX_INITIALIZER;
static struct buf stash[MILTER_SPARE_BODIES];
static size_t nstash;

static struct buf
stash_take(void)
{
    struct buf b = BUF_INIT;
    pthread_mutex_lock(&stash_lock);
    if (nstash) b = stash[--nstash];
    pthread_mutex_unlock(&stash_lock);
    return b;
}

static void
stash_put(struct buf *b)
{
    if (!b->data) return;
    buf_reset(b);
    pthread_mutex_lock(&stash_lock);
    if (nstash < MILTER_SPARE_BODIES) {
        stash[nstash++] = *b;
        *b = (struct buf)BUF_INIT;
    }
    pthread_mutex_unlock(&stash_lock);
    buf_free(b); /* the stash was full */
}

static atomic_int live; /* connections made and not freed */

int
milter_conns_live(void)
{
    return atomic_load(&live);
}

struct milter_conn *
milter_conn_new(struct milter_gen *g)
{
    struct milter_conn *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    atomic_fetch_add(&live, 1);
    c->gen = milter_gen_ref(g);
    c->spare_body = stash_take();
    return c;
}

void
milter_conn_free(struct milter_conn *c)
{
    if (!c) return;
    milter_conn_end_msg(c); /* its body buffer, if it can be kept, goes to the stash */
    stash_put(&c->spare_body);
    milter_gen_unref(c->gen);
    free(c);
    atomic_fetch_sub(&live, 1);
}

void
milter_conn_end_msg(struct milter_conn *c)
{
    struct milter_msg *m = c->msg;
    if (!m) return;
    if (!c->spare_body.data && m->body.cap <= MILTER_SPARE_BODY_MAX) {
        c->spare_body = m->body;
        buf_reset(&c->spare_body);
        m->body = (struct buf)BUF_INIT;
    }
    milter_msg_free(m);
    c->msg = NULL;
}

struct milter_msg *
milter_conn_begin_msg(struct milter_conn *c)
{
    milter_conn_end_msg(c);
    if (!(c->msg = milter_msg_new())) return NULL;
    c->msg->body = c->spare_body; /* empty, with the room the last message needed */
    c->spare_body = (struct buf)BUF_INIT;
    return c->msg;
}

struct milter_msg *
milter_msg_new(void)
{
    struct milter_msg *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    strcpy(m->qid, "-");
    ctl_init(&m->ctl);
    return m;
}

void
milter_msg_free(struct milter_msg *m)
{
    if (!m) return;
    free(m->sender);
    free(m->login);
    for (size_t i = 0; i < m->nrcpts; i++)
        free(m->rcpts[i]);
    free(m->rcpts);
    for (size_t i = 0; i < m->nhdrs; i++) {
        free(m->hdrs[i].name);
        free(m->hdrs[i].value);
    }
    free(m->hdrs);
    buf_free(&m->body);
    ctl_free(&m->ctl);
    free(m->rec_tenant);
    free(m->rec_recipient);
    free(m->rec_subject);
    free(m);
}

bool
milter_msg_add_rcpt(struct milter_msg *m, const char *rcpt)
{
    m->rcpts_seen++;
    if (m->nrcpts >= MILTER_MAX_RCPTS) return true; /* counted, not kept */
    if (m->nrcpts == m->rcap) {
        size_t cap = m->rcap ? m->rcap * 2 : 4;
        char **r = realloc(m->rcpts, cap * sizeof *r);
        if (!r) return false;
        m->rcpts = r;
        m->rcap = cap;
    }
    size_t n = strlen(rcpt);
    if (n >= 2 && rcpt[0] == '<' && rcpt[n - 1] == '>') rcpt++, n -= 2;
    if (!(m->rcpts[m->nrcpts] = strndup(rcpt, n))) return false;
    m->nrcpts++;
    return true;
}

bool
milter_msg_add_header(struct milter_msg *m, const char *name, const char *value)
{
    if (m->nhdrs == m->hcap) {
        size_t cap = m->hcap ? m->hcap * 2 : 32;
        struct milter_hdr *h = realloc(m->hdrs, cap * sizeof *h);
        if (!h) return false;
        m->hdrs = h;
        m->hcap = cap;
    }
    int index = 1;
    for (size_t i = 0; i < m->nhdrs; i++)
        if (strcasecmp(m->hdrs[i].name, name) == 0) index++;
    struct milter_hdr h = {strdup(name), strdup(value), index};
    if (!h.name || !h.value) {
        free(h.name);
        free(h.value);
        return false;
    }
    m->hdrs[m->nhdrs++] = h;
    return true;
}

const char *
milter_msg_header(const struct milter_msg *m, const char *name)
{
    for (size_t i = 0; i < m->nhdrs; i++)
        if (strcasecmp(m->hdrs[i].name, name) == 0) return m->hdrs[i].value;
    return NULL;
}

/* Append a value with every line break as CRLF. */
static bool
put_value(struct buf *out, const char *v)
{
    for (; *v; v++) {
        if (*v == '\r') continue;
        if (*v == '\n' ? !buf_puts(out, "\r\n") : !buf_putc(out, *v)) return false;
    }
    return true;
}

bool
milter_msg_header_block(const struct milter_msg *m, bool leadspc, struct buf *out)
{
    for (size_t i = 0; i < m->nhdrs; i++) {
        const struct milter_hdr *h = &m->hdrs[i];
        if (!buf_puts(out, h->name) || !buf_puts(out, leadspc ? ":" : ": ") ||
            !put_value(out, h->value) || !buf_puts(out, "\r\n"))
            return false;
    }
    return true;
}

bool
milter_msg_plan_strip(const struct milter_msg *m, struct plan *p)
{
    for (size_t i = m->nhdrs; i-- > 0;)
        if (ctl_is_control(m->hdrs[i].name) &&
            !plan_change_header(p, m->hdrs[i].name, m->hdrs[i].index, NULL))
            return false;
    return true;
}
