/*
 * milter_harness.h - the MTA side of the milter protocol, in-process
 *
 * Owns: a fake SMFICTX and an smfi_ops table that plays Postfix for the
 * milter's callbacks: it offers every action and protocol flag, answers
 * macros the test set, and records every operation the milter requests
 * (as text lines in `log`, and applied to a copy of the message so a test
 * can compare the delivered message with a golden file). It also checks
 * the protocol rules the milter must keep: no header operation after the
 * first body replacement, SMFIS_NOREPLY exactly for negotiated no-reply
 * steps.
 *
 * Depends on: milter/shell, milter/smfi_ops, lib/buf.
 */
#ifndef TERN_MILTER_HARNESS_H
#define TERN_MILTER_HARNESS_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "shell.h"
#include "smfi_ops.h"

#define HX_MAX_MACROS  16
#define HX_MAX_HEADERS 256

struct hx_header {
    char *name, *value; /* value without the leading space */
};

struct smfi_str {
    void *priv;
    char *macro_name[HX_MAX_MACROS], *macro_value[HX_MAX_MACROS];
    unsigned long pf0, pf1;                /* what the milter negotiated */
    struct buf log;                        /* one line per operation */
    struct buf symlists;                   /* "stage:macros\n" per setsymlist */
    struct hx_header hdrs[HX_MAX_HEADERS]; /* the message as it will be delivered */
    size_t nhdrs;
    struct buf body;    /* the original body (CRLF), then the replacement */
    struct buf text;    /* hx_delivered_text's decoding of `body` */
    bool body_replaced; /* at least one replacebody */
    bool fail_body;     /* set by a test: replacebody fails, as when the MTA went away */
    int body_calls;
    int violations;  /* protocol rules broken (see above) */
    char reply[256]; /* last setreply: "452 4.5.3 text" */
};

typedef struct smfi_str HX;

extern const struct smfi_ops hx_ops;

void hx_init(HX *h);
void hx_free(HX *h);
void hx_macro(HX *h, const char *name, const char *value);

/* Protocol steps; each checks the reply convention and returns the callback's status. */
sfsistat hx_negotiate(HX *h);
sfsistat hx_connect(HX *h, const char *ip);  /* NULL: a local socket (no address) */
sfsistat hx_connect_local_submission(HX *h); /* non-SMTP mail: localhost [127.0.0.1] port 0 */
sfsistat hx_from(HX *h, const char *sender);
sfsistat hx_rcpt(HX *h, const char *rcpt);
sfsistat hx_header(HX *h, const char *name, const char *value);
sfsistat hx_eoh(HX *h);
sfsistat hx_body(HX *h, const char *data, size_t len); /* in chunks of 64 KiB */
sfsistat hx_eom(HX *h);
sfsistat hx_abort(HX *h);
sfsistat hx_close(HX *h);

/*
 * Feed a whole message (headers, blank line, body; LF or CRLF) from
 * header to end of message: headers (with their leading space), EOH, the
 * body in CRLF. Returns the end-of-message status.
 */
sfsistat hx_content(HX *h, const char *raw, size_t len);

/* negotiate, connect from `ip`, MAIL, one RCPT per entry of the NULL-terminated `rcpts`, content. */
sfsistat hx_transaction(HX *h, const char *ip, const char *sender, const char *const *rcpts,
                        const char *raw, size_t len);

/* The message as delivered (headers after the edits, CRLF, then the body) into `out`. */
void hx_delivered(const HX *h, struct buf *out);

/* The value of the first delivered header `name`, or NULL. */
const char *hx_delivered_header(const HX *h, const char *name);

/*
 * The delivered body of a single-part message as text: decoded from
 * quoted-printable when its delivered Content-Transfer-Encoding says so,
 * else as it is. Valid until the next call or hx_free.
 */
const char *hx_delivered_text(HX *h);

/*
 * milter_deps for a single known recipient: the contact Zoë (id 42, the
 * recipient's address, the tenant asked for), and a record that keeps
 * nothing.
 */
int hx_contact_zoe(void *ctx, const char *tenant, const char *email, json_t **out, char *err,
                   size_t errlen);
int hx_no_record(void *ctx, const struct rec_message *m, char *err, size_t errlen);

/* Read a file under $TERN_SRCDIR (or the source tree; an absolute path as it is) into `out`. False if unreadable. */
bool hx_read_file(const char *relpath, struct buf *out);

#endif
