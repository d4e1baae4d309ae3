/*
 * en_pg_effects.c - a step's effects in the claim's transaction (see en_pg_int.h)
 *
 * The outbox rows carry the enrollment, step sequence and send index, so
 * outbox_once makes a retried step unable to queue a mail twice. Caps
 * count the contact's marketing rows of the outbox that are queued or
 * sent; the contact row is locked by the claim, so two engines never
 * both pass the same cap.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "en_pg_int.h"
#include "events.h"
#include "lua/lh_duration.h"

static int64_t
longest_cap(const struct lh_policy_info *p)
{
    int64_t per = 0;
    for (size_t i = 0; i < p->ncaps; i++)
        if (p->caps[i].per_s > per) per = p->caps[i].per_s;
    return per;
}

/* The contact's marketing sends within the longest cap, ascending. */
static int
recent_sends(const struct en_pg_step *s, int64_t **v, size_t *n, char *err, size_t errlen)
{
    char since[24];
    snprintf(since, sizeof since, "%" PRId64, s->r->now - longest_cap(&s->r->reg->policy));
    const char *p[] = {s->contact_id, since};
    PGresult *res = en_pg_query(s->r->conn,
                                "SELECT extract(epoch FROM created_at)::bigint FROM outbox"
                                " WHERE contact_id = $1 AND category = 'marketing'"
                                " AND status IN ('pending', 'sending', 'sent', 'retry')"
                                " AND created_at >= to_timestamp($2) ORDER BY created_at",
                                2, p, err, errlen);
    if (!res) return -1;
    *n = (size_t)PQntuples(res);
    *v = calloc(*n + EN_SENDS_MAX + 1, sizeof **v); /* room for this step's sends */
    for (size_t i = 0; *v && i < *n; i++)
        (*v)[i] = atoll(PQgetvalue(res, (int)i, 0));
    PQclear(res);
    if (*v) return 0;
    snprintf(err, errlen, "out of memory");
    return -1;
}

int
en_pg_cap_free_at(const struct en_pg_step *s, int64_t *free_at, const struct lh_cap **which,
                  char *err, size_t errlen)
{
    int64_t *v;
    size_t n;
    if (recent_sends(s, &v, &n, err, errlen) < 0) return -1;
    *free_at = en_cap_free_at(&s->r->reg->policy, s->j, v, n, s->r->now, which);
    free(v);
    return 0;
}

static char *
send_data(const struct en_pg_step *s, const struct en_send *send)
{
    const json_t *data = json_object_get(send->opts, "data");
    if (!data && s->event) data = json_object_get(s->event, "data");
    return data ? json_dumps(data, JSON_COMPACT) : strdup("{}");
}

/*
 * One outbox row for send `index`: `pending` for the sender, or `capped`
 * (`over` names the cap) for a send the policy dropped — kept, never
 * submitted and never counted against a cap, so `tern stats` can say
 * what the caps held back.
 */
static int
queue_send(const struct en_pg_step *s, const struct en_send *send, int index,
           const struct lh_cap *over, char *err, size_t errlen)
{
    char seq[16], idx[16], prio[16], now[24], capped[64] = "", *data = send_data(s, send);
    if (!data) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    snprintf(seq, sizeof seq, "%d", s->seq);
    snprintf(idx, sizeof idx, "%d", index);
    snprintf(prio, sizeof prio, "%d", s->j->priority);
    snprintf(now, sizeof now, "%" PRId64, s->r->now); /* the sender's clock, not now() */
    const char *cat = s->j->category == LH_CATEGORY_TRANSACTIONAL ? "transactional" : "marketing";
    if (over) {
        char per[24];
        lh_duration_format(over->per_s, per, sizeof per);
        snprintf(capped, sizeof capped, "over the %s cap %u/%s", cat, over->count, per);
    }
    const char *p[] = {s->contact_id,
                       s->enrollment_id,
                       seq,
                       idx,
                       s->j->name,
                       s->step,
                       s->tenant,
                       send->template_name,
                       cat,
                       prio,
                       data,
                       now,
                       over ? "capped" : "pending",
                       over ? capped : NULL};
    int rc = en_pg_cmd(
        s->r->conn,
        "INSERT INTO outbox (contact_id, id, enrollment_id, step_seq, send_index,"
        " journey, step, tenant, template, category, priority, data, next_attempt_at, status,"
        " last_error)"
        " VALUES ($1, gen_random_uuid(), $2, $3, $4, $5, $6, $7, $8, $9, $10,"
        " $11::jsonb, to_timestamp($12), $13, $14)",
        14, p, err, errlen);
    free(data);
    return rc;
}

static int
queue_sends(const struct en_pg_step *s, const struct en_decision *d, int *sent, char *err,
            size_t errlen)
{
    int64_t *v;
    size_t n;
    const struct lh_cap *cap;
    *sent = 0;
    if (d->nsends == 0) return 0;
    if (recent_sends(s, &v, &n, err, errlen) < 0) return -1;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < d->nsends; i++) {
        bool over = en_cap_free_at(&s->r->reg->policy, s->j, v, n, s->r->now, &cap) > s->r->now;
        rc = queue_send(s, &d->sends[i], (int)i, over ? cap : NULL, err, errlen);
        if (rc == 0 && !over) v[n++] = s->r->now, (*sent)++;
    }
    free(v);
    return rc;
}

/* Fold one step's c:set and c:score into the claim's pending change. */
static int
delta_add(struct en_pg_delta *x, const struct en_decision *d)
{
    if (!x->patch && !(x->patch = json_object())) return -1;
    if (!x->drop && !(x->drop = json_object())) return -1;
    int rc = 0;
    for (size_t i = 0; i < d->nsets; i++) {
        const struct en_set *e = &d->sets[i]; /* nil removes the attribute */
        json_object_del(x->patch, e->attr);
        json_object_del(x->drop, e->attr);
        rc |= json_is_null(e->value) ? json_object_set(x->drop, e->attr, json_true())
                                     : json_object_set(x->patch, e->attr, e->value);
        if (strcmp(e->attr, "score") == 0)
            x->score = 0; /* set after earlier deltas: they are gone */
    }
    x->score += d->score;
    x->any = true;
    return rc;
}

void
en_pg_delta_free(struct en_pg_delta *x)
{
    json_decref(x->patch), json_decref(x->drop);
    *x = (struct en_pg_delta){0};
}

/* The same change on the contact the next c:go hop reads. */
static int
mirror_contact(json_t *c, const struct en_decision *d)
{
    int rc = 0;
    for (size_t i = 0; i < d->nsets; i++)
        if (json_is_null(d->sets[i].value))
            json_object_del(c, d->sets[i].attr);
        else
            rc |= json_object_set(c, d->sets[i].attr, d->sets[i].value);
    if (d->score == 0) return rc;
    const json_t *old = json_object_get(c, "score");
    double v = (json_is_number(old) ? json_number_value(old) : 0) + d->score;
    json_t *n = v == floor(v) && fabs(v) < 9e15 ? json_integer((json_int_t)v) : json_real(v);
    return rc | (n ? json_object_set_new(c, "score", n) : -1);
}

static int
emit_events(const struct en_pg_step *s, const struct en_decision *d, char *err, size_t errlen)
{
    for (size_t i = 0; i < d->nemits; i++) {
        char id[37], *data = json_dumps(d->emits[i].data, JSON_COMPACT);
        struct ev_new ev = {d->emits[i].type, atoll(s->contact_id), data, NULL, "engine"};
        bool ok = data && ev_insert(s->r->conn, &ev, id, err, errlen);
        if (!data) snprintf(err, errlen, "out of memory");
        free(data);
        if (!ok) return -1;
    }
    return 0;
}

int
en_pg_effects(const struct en_pg_step *s, const struct en_decision *d, int *sent, char *err,
              size_t errlen)
{
    if (queue_sends(s, d, sent, err, errlen) < 0) return -1;
    if (d->nsets || d->score != 0) {
        if (delta_add(s->delta, d) < 0 || mirror_contact(s->contact, d) < 0) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    return emit_events(s, d, err, errlen);
}
