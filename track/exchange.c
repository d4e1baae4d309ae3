/*
 * exchange.c - replies and records (see exchange.h)
 */
#include "exchange.h"

#include <stdlib.h>
#include <string.h>

void
tr_reply_init(struct tr_reply *rp)
{
    memset(rp, 0, sizeof *rp);
    rp->status = 500;
    rp->kind = TR_BODY_TEXT;
}

void
tr_reply_free(struct tr_reply *rp)
{
    buf_free(&rp->body);
    buf_free(&rp->location);
    if (rp->job) rp->job->free(rp->job);
    rp->job = NULL;
}

void
tr_reply_not_found(struct tr_reply *rp)
{
    rp->status = 404;
    rp->kind = TR_BODY_NOT_FOUND;
}

void
tr_reply_status_text(struct tr_reply *rp, unsigned status, const char *text)
{
    rp->status = status;
    rp->kind = TR_BODY_TEXT;
    buf_reset(&rp->body);
    if (!buf_puts(&rp->body, text) || !buf_putc(&rp->body, '\n'))
        rp->kind = TR_BODY_EMPTY; /* out of memory: the status alone still says it */
}

bool
tr_record_take(struct tr_record *rec, struct buf *encoded)
{
    if (rec->n == rec->cap) {
        size_t cap = rec->cap ? rec->cap * 2 : 1;
        struct buf *grown = realloc(rec->recs, cap * sizeof *grown);
        if (!grown) return false;
        rec->recs = grown;
        rec->cap = cap;
    }
    rec->recs[rec->n++] = *encoded;
    *encoded = (struct buf)BUF_INIT;
    return true;
}

void
tr_record_free(struct tr_record *rec)
{
    for (size_t i = 0; i < rec->n; i++)
        buf_free(&rec->recs[i]);
    free(rec->recs);
    memset(rec, 0, sizeof *rec);
}
