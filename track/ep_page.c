/*
 * ep_page.c - unsubscribe, confirm and preferences: a page on GET, a change on POST
 *
 * GET never changes anything: it renders a page with a button (mail
 * scanners and link previews follow GET links; a one-click unsubscribe
 * must not be triggered by them). POST with a valid token makes the
 * change: the record goes to the spool and the confirmation page is sent
 * once it is durable. Any POST body is accepted for /u/, because the
 * token alone authorizes it: the page's form, RFC 8058's
 * "List-Unsubscribe=One-Click" as urlencoded or multipart, or nothing.
 * Repeating a POST is harmless: applying the change again changes nothing,
 * and a second unsubscribe from the same list records no second event
 * (the drain drops it, record_sql.h).
 * The preference form starts from what the contact saved, read on a worker
 * thread (defaults when PostgreSQL is away): a rare page, not a click.
 * When some tenant has its own pages (pages.h), a page is rendered in the
 * contact's tenant: known from a cache, or else looked up on a worker
 * thread (the default pages when PostgreSQL is away or slow).
 * An unsubscribe token for the list "all" leaves all mail (the contact's
 * status); any other list is a suppression of that list or category.
 */
#define LOG_MODULE "track"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "db.h"
#include "endpoints.h"
#include "form.h"
#include "gen.h"
#include "jsonr.h"
#include "log.h"
#include "memo.h"
#include "metrics.h"

#define TENANT_TTL_US  (300 * 1000000LL) /* how long a contact's tenant is believed */
#define TENANT_WAIT_MS 250               /* how long a page waits for a connection */

/* ---------------------------------------------------------------------
 * the contact's tenant, for its pages
 * --------------------------------------------------------------------- */

static void
contact_key(int64_t contact, char key[24])
{
    snprintf(key, 24, "%lld", (long long)contact);
}

/* The cached tenant of `contact` into `tenant`; false when the cache does not know. */
static bool
cached_tenant(const struct tr_gen *g, int64_t contact, int64_t now_us, char tenant[64])
{
    char key[24];
    contact_key(contact, key);
    return memo_get(g->shared->tenants, key, now_us - TENANT_TTL_US, tenant, 64);
}

/* The tenant of `contact`, from the cache or PostgreSQL (worker thread); NULL for the
 * default pages (PostgreSQL away, no such contact). */
static const char *
lookup_tenant(const struct tr_gen *g, int64_t contact, int64_t now_us, char tenant[64],
              const char *tag)
{
    if (cached_tenant(g, contact, now_us, tenant)) return tenant;
    char err[256] = "not connected", key[24];
    struct db_pool *db = g->shared->db;
    PGconn *conn = db ? db_lease(db, TENANT_WAIT_MS, err, sizeof err) : NULL;
    if (!conn) {
        log_debug(tag, "default pages: %s", err);
        return NULL;
    }
    contact_key(contact, key);
    const char *params[] = {key};
    PGresult *res = PQexecParams(conn, "SELECT tenant FROM tern.contacts WHERE id = $1", 1, NULL,
                                 params, NULL, NULL, 0);
    bool ok = PQresultStatus(res) == PGRES_TUPLES_OK;
    if (!ok) log_warn(tag, "tenant not read: %s", db_error(conn, res, err, sizeof err));
    snprintf(tenant, 64, "%s", ok && PQntuples(res) ? PQgetvalue(res, 0, 0) : "");
    PQclear(res);
    db_release(db, conn);
    if (ok) memo_put(g->shared->tenants, key, tenant, now_us);
    return ok && *tenant ? tenant : NULL;
}

/* ---------------------------------------------------------------------
 * pages
 * --------------------------------------------------------------------- */

/* Render `page` of `tenant` with `view` (consumed) as the reply. -1 on failure. */
static int
render(const struct tr_gen *g, const char *tag, const char *tenant, unsigned status,
       const char *name, json_t *view, struct tr_reply *rp)
{
    char err[512] = "out of memory";
    int rc = view ? tr_pages_render(g->pages, tenant, name, view, &rp->body, err, sizeof err) : -1;
    json_decref(view);
    if (rc < 0) {
        log_error(tag, "%s", err);
        return -1;
    }
    rp->status = status;
    rp->kind = TR_BODY_HTML;
    return 0;
}

/* A page whose contact's tenant must be looked up first: rendered on a worker. */
struct page_job {
    struct tr_job base;
    int64_t contact, now_us;
    unsigned status;
    const char *name; /* a page name: static text */
    json_t *view;
    char ip[TR_IP_MAX];
};

static void
page_job_run(struct tr_job *base, const struct tr_gen *g, struct tr_reply *rp)
{
    struct page_job *job = (struct page_job *)base;
    char tenant[64];
    const char *t = lookup_tenant(g, job->contact, job->now_us, tenant, job->ip);
    json_t *view = job->view;
    job->view = NULL;
    if (render(g, job->ip, t, job->status, job->name, view, rp) < 0)
        tr_reply_status_text(rp, 500, "Internal error");
}

static void
page_job_free(struct tr_job *base)
{
    struct page_job *job = (struct page_job *)base;
    json_decref(job->view);
    free(job);
}

/*
 * Answer with page `name` of the contact's tenant (`view` is consumed): at
 * once when no tenant has its own pages or the tenant is cached, else on a
 * worker thread. -1 on failure.
 */
static int
page(const struct tr_gen *g, const struct tr_request *rq, int64_t contact, unsigned status,
     const char *name, json_t *view, struct tr_reply *rp)
{
    char tenant[64];
    if (!tr_pages_per_tenant(g->pages)) return render(g, rq->ip, NULL, status, name, view, rp);
    if (cached_tenant(g, contact, rq->now_us, tenant))
        return render(g, rq->ip, *tenant ? tenant : NULL, status, name, view, rp);
    struct page_job *job = view ? calloc(1, sizeof *job) : NULL;
    if (!job) {
        json_decref(view);
        return -1;
    }
    *job = (struct page_job){
        {page_job_run, page_job_free}, contact, rq->now_us, status, name, view, ""};
    memcpy(job->ip, rq->ip, sizeof job->ip);
    rp->job = &job->base; /* any record the endpoint made is spooled after it (server.c) */
    return 0;
}

/* The event every change carries. */
static void
change_init(struct rec_change *ch, const struct tr_request *rq, const struct tok_claims *c,
            const char *type, char message[TOK_UUID_STRLEN + 1])
{
    memset(ch, 0, sizeof *ch);
    ch->event.contact_id = c->contact;
    ch->event.type = type;
    ch->event.occurred_us = rq->now_us;
    ch->event.source = "track";
    ch->event.user_agent = rq->user_agent;
    ch->event.ip = rq->ip[0] ? rq->ip : NULL;
    ch->event.delay_ms = -1;
    if (c->has_message) {
        tok_uuid_format(c->message, message);
        ch->event.message_id = message;
    }
}

typedef int (*encode_fn)(const struct rec_change *c, struct buf *out, char *err, size_t errlen);

static int
record_change(const struct tr_request *rq, const struct rec_change *ch, encode_fn encode,
              struct tr_record *rec)
{
    char err[256];
    struct buf out = BUF_INIT;
    int rc = encode(ch, &out, err, sizeof err);
    if (rc == 0 && !tr_record_take(rec, &out)) {
        rc = -1;
        snprintf(err, sizeof err, "out of memory");
    }
    if (rc < 0) log_error(rq->ip, "cannot record %s: %s", ch->event.type, err);
    buf_free(&out);
    return rc;
}

/* ---------------------------------------------------------------------
 * /u/<token>
 * --------------------------------------------------------------------- */

/* Whether the body is RFC 8058's one-click request (for the event's data). */
static bool
one_click(const struct tr_request *rq)
{
    return strstr(rq->body, "List-Unsubscribe=One-Click") != NULL;
}

int
tr_ep_unsubscribe(const struct tr_gen *g, const struct tr_request *rq, struct tr_reply *rp,
                  struct tr_record *rec)
{
    struct tok_claims c;
    if (!tr_ep_verified(g, rq, TOK_UNSUBSCRIBE, &c, rp)) return 0;
    bool everything = !c.list[0] || strcmp(c.list, "all") == 0;
    json_t *view = everything ? json_object() : json_pack("{s:s}", "list", c.list);
    if (rq->method != TR_POST) return page(g, rq, c.contact, 200, "unsubscribe", view, rp);

    char message[TOK_UUID_STRLEN + 1];
    struct rec_change ch;
    change_init(&ch, rq, &c, "email.unsubscribe", message);
    ch.list = everything ? NULL : c.list;
    json_t *data =
        json_pack("{s:s, s:b}", "list", everything ? "all" : c.list, "one_click", one_click(rq));
    char *text = data ? json_dumps(data, JSON_COMPACT) : NULL;
    json_decref(data);
    ch.event.data = text;
    int rc = text ? record_change(rq, &ch, rec_encode_unsubscribe, rec) : -1;
    free(text);
    if (rc < 0) {
        json_decref(view);
        return -1;
    }
    return page(g, rq, c.contact, 200, "unsubscribed", view, rp);
}

/* ---------------------------------------------------------------------
 * /confirm/<token>
 * --------------------------------------------------------------------- */

int
tr_ep_confirm(const struct tr_gen *g, const struct tr_request *rq, struct tr_reply *rp,
              struct tr_record *rec)
{
    struct tok_claims c;
    if (!tr_ep_verified(g, rq, TOK_CONFIRM, &c, rp)) return 0;
    if (rq->method != TR_POST) return page(g, rq, c.contact, 200, "confirm", json_object(), rp);
    char message[TOK_UUID_STRLEN + 1];
    struct rec_change ch;
    change_init(&ch, rq, &c, "contact.confirmed", message);
    ch.purpose = "marketing";
    ch.event.data = "{\"source\":\"double-opt-in\"}";
    if (record_change(rq, &ch, rec_encode_confirm, rec) < 0) return -1;
    return page(g, rq, c.contact, 200, "confirmed", json_object(), rp);
}

/* ---------------------------------------------------------------------
 * /p/<token>
 * --------------------------------------------------------------------- */

static const char *const channels[] = {"email", "none", NULL};
static const char *const frequencies[] = {"all", "weekly", "monthly", NULL};

static bool
in_words(const char *const words[], const char *w)
{
    for (size_t i = 0; words[i]; i++)
        if (strcmp(words[i], w) == 0) return true;
    return false;
}

static bool
in_list(const char *list, const char *w)
{
    char item[FORM_FIELD_MAX];
    for (const char *pos = list ? list : ""; config_list_next(&pos, item, sizeof item);)
        if (strcmp(item, w) == 0) return true;
    return false;
}

/* YYYY-MM-DD, or empty. */
static bool
valid_date(const char *s)
{
    if (!*s) return true;
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-') return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)s[i])) return false;
    int month = atoi(s + 5), day = atoi(s + 8);
    return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/* Radio choices as [{name, checked}], `chosen` checked. */
static json_t *
choices(const char *const words[], const char *chosen)
{
    json_t *a = json_array();
    for (size_t i = 0; a && words[i]; i++)
        json_array_append_new(
            a, json_pack("{s:s, s:b}", "name", words[i], "checked", strcmp(words[i], chosen) == 0));
    return a;
}

/* The form as it will be shown: `prefs` (the attributes) or defaults. */
static json_t *
prefs_view(const struct tr_gen *g, json_t *prefs, const char *error)
{
    json_t *topics = json_array(), *chosen = prefs ? json_object_get(prefs, "topics") : NULL;
    if (!json_is_array(chosen)) chosen = NULL; /* never saved: every topic offered */
    char item[FORM_FIELD_MAX];
    for (const char *pos = g->cfg->track.topics ? g->cfg->track.topics : "";
         topics && config_list_next(&pos, item, sizeof item);) {
        bool on = !chosen; /* a fresh form offers every topic */
        size_t i;
        json_t *t;
        json_array_foreach(chosen, i, t)
        { /* a script or a hand may have stored anything there */
            const char *v = json_string_value(t);
            on = on || (v && strcmp(v, item) == 0);
        }
        json_array_append_new(topics, json_pack("{s:s, s:b}", "name", item, "checked", on));
    }
    const char *ch = prefs ? json_string_value(json_object_get(prefs, "channel")) : NULL;
    const char *fr = prefs ? json_string_value(json_object_get(prefs, "frequency")) : NULL;
    const char *pause = prefs ? json_string_value(json_object_get(prefs, "pause_until")) : NULL;
    return json_pack("{s:o, s:o, s:o, s:s, s:s?}", "topics", topics, "channels",
                     choices(channels, ch ? ch : "email"), "frequencies",
                     choices(frequencies, fr ? fr : "all"), "pause_until", pause ? pause : "",
                     "error", error);
}

/* One form field into `prefs`; the problem, or NULL. */
static const char *
prefs_field(const struct tr_gen *g, const struct form_field *f, json_t *prefs)
{
    if (strcmp(f->name, "topic") == 0) {
        if (!in_list(g->cfg->track.topics, f->value)) return "unknown topic";
        return json_array_append_new(json_object_get(prefs, "topics"), json_string(f->value))
                   ? "out of memory"
                   : NULL;
    }
    if (strcmp(f->name, "channel") == 0 || strcmp(f->name, "frequency") == 0) {
        bool channel = f->name[0] == 'c';
        if (!in_words(channel ? channels : frequencies, f->value))
            return channel ? "unknown channel" : "unknown frequency";
    } else if (strcmp(f->name, "pause_until") == 0) {
        if (!valid_date(f->value)) return "the pause date must look like 2026-12-24";
    } else {
        return NULL; /* extra fields (a submit button's name) are ignored */
    }
    return json_object_set_new(prefs, f->name, json_string(f->value)) ? "out of memory" : NULL;
}

/* Parse the form into attributes; the problem, or NULL. */
static const char *
prefs_parse(const struct tr_gen *g, const struct tr_request *rq, json_t *prefs)
{
    struct form_iter it;
    struct form_field f;
    int rc;
    form_iter_init(&it, rq->body, rq->body_len);
    while ((rc = form_next(&it, &f)) > 0) {
        const char *bad = prefs_field(g, &f, prefs);
        if (bad) return bad;
    }
    if (rc < 0) return "the form could not be read";
    json_t *pause = json_object_get(prefs, "pause_until");
    if (pause && !*json_string_value(pause)) json_object_set_new(prefs, "pause_until", json_null());
    return NULL;
}

static int
preferences_save(const struct tr_gen *g, const struct tr_request *rq, const struct tok_claims *c,
                 struct tr_reply *rp, struct tr_record *rec)
{
    json_t *prefs = json_pack("{s:[]}", "topics");
    if (!prefs) return -1;
    const char *bad = prefs_parse(g, rq, prefs);
    if (bad) {
        int rc = page(g, rq, c->contact, 400, "preferences", prefs_view(g, prefs, bad), rp);
        json_decref(prefs);
        return rc;
    }
    char message[TOK_UUID_STRLEN + 1];
    struct rec_change ch;
    change_init(&ch, rq, c, "preferences.updated", message);
    char *attrs = json_dumps(prefs, JSON_COMPACT);
    json_decref(prefs);
    ch.attrs = ch.event.data = attrs;
    int rc = attrs ? record_change(rq, &ch, rec_encode_preferences, rec) : -1;
    free(attrs);
    return rc < 0 ? -1 : page(g, rq, c->contact, 200, "preferences_saved", json_object(), rp);
}

/* The GET form starts from what the contact saved; read on a worker thread. */
struct prefs_job {
    struct tr_job base;
    int64_t contact, now_us;
    char ip[TR_IP_MAX];
};

/* The saved preferences of a contact; NULL when none or PostgreSQL is away (defaults then). */
static json_t *
saved_prefs(struct db_pool *db, int64_t contact, const char *tag)
{
    char err[256] = "not connected", id[24];
    PGconn *conn = db ? db_lease(db, 1000, err, sizeof err) : NULL;
    if (!conn) {
        log_debug(tag, "preferences shown as defaults: %s", err);
        return NULL;
    }
    snprintf(id, sizeof id, "%lld", (long long)contact);
    const char *params[] = {id};
    PGresult *res =
        PQexecParams(conn,
                     "SELECT jsonb_build_object('topics', attributes->'topics',"
                     " 'channel', attributes->'channel', 'frequency',"
                     " attributes->'frequency', 'pause_until', attributes->'pause_until')"
                     " FROM tern.contacts WHERE id = $1",
                     1, NULL, params, NULL, NULL, 0);
    json_t *prefs = NULL;
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        log_warn(tag, "preferences not read: %s", db_error(conn, res, err, sizeof err));
    else if (PQntuples(res) == 1)
        prefs = jsonr_loads(PQgetvalue(res, 0, 0), 0, NULL);
    PQclear(res);
    db_release(db, conn);
    return prefs;
}

static void
prefs_job_run(struct tr_job *base, const struct tr_gen *g, struct tr_reply *rp)
{
    struct prefs_job *job = (struct prefs_job *)base;
    json_t *prefs = saved_prefs(g->shared->db, job->contact, job->ip);
    char tenant[64];
    const char *t = tr_pages_per_tenant(g->pages)
                        ? lookup_tenant(g, job->contact, job->now_us, tenant, job->ip)
                        : NULL;
    if (render(g, job->ip, t, 200, "preferences", prefs_view(g, prefs, NULL), rp) < 0)
        tr_reply_status_text(rp, 500, "Internal error");
    json_decref(prefs);
}

static void
prefs_job_free(struct tr_job *base)
{
    free(base);
}

int
tr_ep_preferences(const struct tr_gen *g, const struct tr_request *rq, struct tr_reply *rp,
                  struct tr_record *rec)
{
    struct tok_claims c;
    if (!tr_ep_verified(g, rq, TOK_PREFERENCES, &c, rp)) return 0;
    if (rq->method == TR_POST) return preferences_save(g, rq, &c, rp, rec);
    struct prefs_job *job = calloc(1, sizeof *job);
    if (!job) return -1;
    job->base = (struct tr_job){prefs_job_run, prefs_job_free};
    job->contact = c.contact;
    job->now_us = rq->now_us;
    memcpy(job->ip, rq->ip, sizeof job->ip);
    rp->job = &job->base;
    return 0;
}
