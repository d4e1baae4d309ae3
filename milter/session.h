/*
 * session.h - generations, connections and messages of the milter
 *
 * Owns: the three lifetimes of milter state.
 *
 *   generation  one loaded configuration: the config snapshot, the token
 *               keyring, the trusted networks. Reference-counted: every
 *               connection pins the generation that was current when it
 *               started, so a reload (a new generation) never changes the
 *               rules under a message in flight; the old one is freed with
 *               its last connection. Lua scripts reload through their own
 *               pool generations (lua/lh.h), pinned per lease.
 *   connection  one MTA connection (smfi_setpriv): the pinned generation,
 *               the negotiated protocol flags, whether the client address
 *               is trusted. libmilter may run a connection's callbacks on
 *               different threads, so nothing lives in thread-local storage.
 *   message     one transaction: envelope, headers, control headers, the
 *               body (buffered only when the message is managed, bounded by
 *               milter.max_size). Freed at end of message and on abort;
 *               its body buffer (up to MILTER_SPARE_BODY_MAX) stays with
 *               the connection for the next message, which then neither
 *               grows it by reallocation nor faults its pages in again;
 *               a closed connection leaves it to the next new one (up to
 *               MILTER_SPARE_BODIES buffers wait, process-wide).
 *
 * Process-wide services (contact lookup, record spool, Lua pool, the
 * rewrite pipeline) come in through struct milter_deps, so tests replace
 * them without a database.
 *
 * Depends on: lib/config, lib/token, lib/record (struct rec_message),
 * milter/control, milter/trust, milter/plan, jansson.
 */
#ifndef TERN_MILTER_SESSION_H
#define TERN_MILTER_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "buf.h"
#include "config.h"
#include "control.h"
#include "plan.h"
#include "record.h"
#include "smfi_ops.h"
#include "token.h"
#include "trust.h"

#define MILTER_MAX_RCPTS      1000       /* recipients remembered per message (more are counted) */
#define MILTER_MAX_HEADERS    2000       /* headers per message; more makes it oversize */
#define MILTER_MAX_CONTROL    2000       /* control headers kept past that, to remove them */
#define MILTER_SPARE_BODY_MAX (1u << 20) /* a larger body buffer is freed, not kept */
#define MILTER_SPARE_BODIES   16         /* closed connections' body buffers kept for new ones */

struct lh_message;
struct milter_job;

struct milter_deps {
    /* The recipient's contact: 1 found (*out a new object), 0 none, -1 error. */
    int (*contact)(void *ctx, const char *tenant, const char *email, json_t **out, char *err,
                   size_t errlen);
    void *contact_ctx;
    /* Record a managed message durably: 0, or -1 with a reason. */
    int (*record)(void *ctx, const struct rec_message *m, char *err, size_t errlen);
    void *record_ctx;
    /* Run the `hook "message"` scripts on `m` (milter/hook.c): 0, or -1 with a reason. */
    int (*hooks)(void *ctx, struct lh_message *m, char *err, size_t errlen);
    void *hooks_ctx; /* NULL hooks: no message hooks */
    /* Fill `plan` for a managed message; NULL: managed mail only loses its control headers. */
    int (*process)(struct milter_job *job, struct plan *plan, char *err, size_t errlen);
};

struct milter_gen {
    unsigned long id;
    struct config *cfg;
    struct tok_keyring *ring;
    struct trust *trust;
    const struct milter_deps *deps;
    bool split;             /* milter.multi_recipient = split */
    bool tempfail_on_error; /* milter.on_error = tempfail */
    int refcount;           /* atomic */
};

struct milter_hdr {
    char *name, *value; /* value as received (leading space kept under HDR_LEADSPC) */
    int index;          /* 1-based occurrence among headers of this name */
};

struct milter_msg {
    char qid[64]; /* Postfix queue id, "-" until known */
    char *sender; /* envelope sender, no angle brackets ("" for <>) */
    char *login;  /* SASL login ({auth_authen}), or NULL */
    char **rcpts;
    size_t nrcpts, rcap;
    size_t rcpts_seen; /* all accepted RCPTs, also beyond MILTER_MAX_RCPTS */
    struct milter_hdr *hdrs;
    size_t nhdrs, hcap;
    size_t ncontrol; /* X-Tern-* headers among hdrs */
    size_t size;     /* header and body bytes seen */
    struct buf body; /* only while `managed` and not `oversize` */
    bool auth, trusted, sender_managed, managed, oversize;
    bool unstrippable; /* more control headers than can be kept to remove them: refused */
    bool control_lost; /* out of memory keeping a control header: tempfailed */
    struct ctl ctl;
    /* Its record, made by the rewrite and written once the MTA took the changes: a message
     * that is tempfailed at the last step is not recorded as sent. */
    bool rec_pending;
    struct rec_message rec; /* its strings are the message's own, or these copies: */
    char *rec_tenant, *rec_recipient, *rec_subject;
    char rec_category[16];
};

struct milter_conn {
    struct milter_gen *gen;
    unsigned long pflags; /* negotiated SMFIP_* */
    bool addr_known, addr_trusted;
    bool local_submission; /* sendmail(1) or pickup: Postfix says 127.0.0.1 port 0 */
    struct milter_msg *msg;
    struct buf spare_body; /* the last message's body buffer, emptied, for the next one */
};

/* What the rewrite pipeline gets for one message. */
struct milter_job {
    const struct milter_gen *gen;
    struct milter_msg *msg;
    const struct smfi_ops *ops;
    SMFICTX *ctx; /* for ops->progress around slow steps */
    bool leadspc; /* header values carry their leading space */
    int64_t now_us;
    /* out: what happened, for the log line and the record */
    char verdict_reason[256]; /* non-empty: a hook rejected/tempfailed/discarded */
    int verdict;              /* SMFIS_CONTINUE, or the hook's SMFIS_REJECT/TEMPFAIL/DISCARD */
};

/* ---- generations ---- */

/* Build a generation from `cfg` (referenced, not consumed). NULL with a reason. */
struct milter_gen *milter_gen_new(struct config *cfg, const struct milter_deps *deps, char *err,
                                  size_t errlen);
struct milter_gen *milter_gen_ref(struct milter_gen *g);
void milter_gen_unref(struct milter_gen *g);

/* ---- connections ---- */

struct milter_conn *milter_conn_new(struct milter_gen *g); /* takes a new reference */
void milter_conn_free(struct milter_conn *c);              /* NULL allowed */
/* Connections not freed yet: shutdown waits for them before freeing the services they use. */
int milter_conns_live(void);
/* Start a new message on `c` (ending the current one); NULL on out of memory. */
struct milter_msg *milter_conn_begin_msg(struct milter_conn *c);
/* End the current message of `c`, if any, keeping its body buffer for the next. */
void milter_conn_end_msg(struct milter_conn *c);

/* ---- messages ---- */

struct milter_msg *milter_msg_new(void);
void milter_msg_free(struct milter_msg *m); /* NULL allowed */

/* Remember a recipient (without <>). False on out of memory. */
bool milter_msg_add_rcpt(struct milter_msg *m, const char *rcpt);
/* Remember a header, numbering it among its namesakes. False on out of memory. */
bool milter_msg_add_header(struct milter_msg *m, const char *name, const char *value);
/* The first value of header `name` (as received), or NULL. */
const char *milter_msg_header(const struct milter_msg *m, const char *name);

/*
 * The header block as "Name: value\r\n" lines (folded values keep their
 * line breaks as CRLF), ending with no blank line. For MIME parsing.
 */
bool milter_msg_header_block(const struct milter_msg *m, bool leadspc, struct buf *out);

/* Queue deletion of every control header (last first, so indexes stay valid). */
bool milter_msg_plan_strip(const struct milter_msg *m, struct plan *p);

#endif
