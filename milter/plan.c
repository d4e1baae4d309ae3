/*
 * plan.c - building an edit plan and sending it as milter operations
 */
#include "plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
plan_init(struct plan *p)
{
    memset(p, 0, sizeof *p);
}

void
plan_reset(struct plan *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->ops[i].name);
        free(p->ops[i].value);
    }
    p->n = 0;
    p->replace_body = false;
    buf_free(&p->body);
}

void
plan_free(struct plan *p)
{
    plan_reset(p);
    free(p->ops);
    plan_init(p);
}

static bool
push(struct plan *p, enum plan_kind kind, const char *name, int index, const char *value)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        struct plan_op *ops = realloc(p->ops, cap * sizeof *ops);
        if (!ops) return false;
        p->ops = ops;
        p->cap = cap;
    }
    struct plan_op op = {kind, strdup(name), index, value ? strdup(value) : NULL};
    if (!op.name || (value && !op.value)) {
        free(op.name);
        free(op.value);
        return false;
    }
    p->ops[p->n++] = op;
    return true;
}

bool
plan_add_header(struct plan *p, const char *name, const char *value)
{
    return push(p, PLAN_ADD, name, 0, value);
}

bool
plan_change_header(struct plan *p, const char *name, int index, const char *value)
{
    return push(p, PLAN_CHANGE, name, index, value);
}

void
plan_set_body(struct plan *p, struct buf *body)
{
    buf_free(&p->body);
    p->body = *body;
    *body = (struct buf)BUF_INIT;
    p->replace_body = true;
}

bool
plan_empty(const struct plan *p)
{
    return p->n == 0 && !p->replace_body;
}

/* The value as sent: with a leading space when the MTA expects us to supply it. */
static int
run_op(const struct plan_op *op, const struct smfi_ops *ops, SMFICTX *ctx, bool leadspc)
{
    struct buf v = BUF_INIT;
    const char *val = op->value;
    if (val && leadspc) {
        if (!buf_putc(&v, ' ') || !buf_puts(&v, val)) {
            buf_free(&v);
            return MI_FAILURE;
        }
        val = buf_str(&v);
    }
    int rc = op->kind == PLAN_ADD ? ops->addheader(ctx, op->name, val)
                                  : ops->chgheader(ctx, op->name, op->index, val);
    buf_free(&v);
    return rc;
}

int
plan_run(const struct plan *p, const struct smfi_ops *ops, SMFICTX *ctx, bool leadspc, char *err,
         size_t errlen)
{
    for (size_t i = 0; i < p->n; i++) {
        if (run_op(&p->ops[i], ops, ctx, leadspc) != MI_SUCCESS) {
            snprintf(err, errlen, "%s %s failed",
                     p->ops[i].kind == PLAN_ADD ? "addheader" : "chgheader", p->ops[i].name);
            return -1;
        }
    }
    if (!p->replace_body) return 0;
    const unsigned char *b = (const unsigned char *)buf_str(&p->body);
    size_t off = 0;
    do { /* an empty new body is still one (empty) replacement */
        size_t n = p->body.len - off < PLAN_BODY_CHUNK ? p->body.len - off : PLAN_BODY_CHUNK;
        if (ops->replacebody(ctx, b + off, n) != MI_SUCCESS) {
            snprintf(err, errlen, "replacebody failed at byte %zu", off);
            return -1;
        }
        off += n;
    } while (off < p->body.len);
    return 0;
}
