/*
 * en_pg_segchunk.c - a large diff written in chunks, over two sessions at once
 *
 * The diff's COPY text is cut into an even number of chunks of at most
 * EN_SEG_CHUNK rows, all of one size (at line ends; two sessions then finish
 * together), each written by en_seg_write_chunk in a transaction of its own: its
 * memberships, their events and the segment's member_count together. Two
 * sessions take the chunks in turn, `conn` (which holds the segment's
 * advisory lock throughout) and a clone of it on a thread of its own: the
 * write is PostgreSQL's CPU, and two backends use two cores. No clone (the
 * server refuses one more connection): `conn` writes every chunk.
 *
 * The chunks hold distinct contacts, so the two sessions never wait for each
 * other's rows but for the segment's row at each chunk's end. A failure stops
 * both after their current chunk; what committed stays, and is never written
 * twice: the next refresh diffs against the memberships as they are.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "en_pg_int.h"
#include "en_seg_int.h"

struct chunks {
    const char *name;
    const char *data; /* the diff's COPY text */
    size_t len, next; /* next: where the next chunk starts */
    int64_t rows;     /* per chunk */
    bool failed;
    pthread_mutex_t mu;
};

struct writer {
    struct chunks *c;
    PGconn *conn;
    struct en_seg_stats st;
    int rc;
    char err[EN_REASON_MAX];
};

/* The next chunk, [*at, *at + *len): c->rows lines; false when none is left. */
static bool
take(struct chunks *c, const char **at, size_t *len)
{
    pthread_mutex_lock(&c->mu);
    size_t start = c->next, end = start;
    for (int64_t lines = 0; end < c->len && lines < c->rows; lines++) {
        const char *nl = memchr(c->data + end, '\n', c->len - end);
        end = nl ? (size_t)(nl - c->data) + 1 : c->len;
    }
    c->next = end;
    bool any = !c->failed && end > start;
    pthread_mutex_unlock(&c->mu);
    *at = c->data + start, *len = end - start;
    return any;
}

static void *
work(void *arg)
{
    struct writer *w = arg;
    const char *at;
    size_t len;
    while (take(w->c, &at, &len)) {
        w->rc = en_seg_write_chunk(w->conn, w->c->name, at, len, &w->st, w->err, sizeof w->err);
        if (w->rc == 0) continue;
        pthread_mutex_lock(&w->c->mu);
        w->c->failed = true;
        pthread_mutex_unlock(&w->c->mu);
        break;
    }
    return NULL;
}

/* A second session like conn (its session settings too), or NULL. */
static PGconn *
second_session(PGconn *conn)
{
    PGresult *res = PQexec(conn, "SELECT name, setting FROM pg_settings WHERE source = 'session'");
    PGconn *clone = PQresultStatus(res) == PGRES_TUPLES_OK ? db_clone(conn, res) : NULL;
    PQclear(res);
    return clone;
}

int
en_seg_write_chunks(PGconn *conn, const char *name, const struct en_seg_diff *d,
                    struct en_seg_stats *out, char *err, size_t errlen)
{
    int64_t rows = d->joins + d->leaves, pairs = (rows + 2 * EN_SEG_CHUNK - 1) / (2 * EN_SEG_CHUNK);
    struct chunks c = {.name = name,
                       .data = d->copy.data,
                       .len = d->copy.len,
                       .rows = (rows + 2 * pairs - 1) / (2 * pairs),
                       .mu = PTHREAD_MUTEX_INITIALIZER};
    struct writer w[2] = {{&c, conn, {0}, 0, ""}, {&c, second_session(conn), {0}, 0, ""}};
    pthread_t th;
    bool threaded = w[1].conn && pthread_create(&th, NULL, work, &w[1]) == 0;
    work(&w[0]);
    if (threaded) pthread_join(th, NULL);
    PQfinish(w[1].conn);
    pthread_mutex_destroy(&c.mu);
    for (int i = 0; i < 2; i++)
        out->entered += w[i].st.entered, out->left += w[i].st.left;
    const struct writer *bad = w[0].rc ? &w[0] : w[1].rc ? &w[1] : NULL;
    if (bad) snprintf(err, errlen, "%s", bad->err);
    return bad ? -1 : 0;
}
