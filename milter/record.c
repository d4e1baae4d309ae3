/*
 * record.c - one spool record per managed message (see mrecord.h)
 */
#include "mrecord.h"

#include "buf.h"

int
mrec_record(void *ctx, const struct rec_message *m, char *err, size_t errlen)
{
    struct mrec *r = ctx;
    struct buf b = BUF_INIT;
    uint64_t seq;
    int rc = rec_encode_message(m, &b, err, errlen);
    if (rc == 0) rc = spool_append(r->spool, b.data, b.len, &seq, err, errlen);
    if (rc == 0) rc = spool_sync(r->spool, seq, err, errlen); /* group commit */
    if (rc == 0 && r->drain) spool_drain_kick(r->drain);
    buf_free(&b);
    return rc;
}
