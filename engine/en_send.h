/*
 * en_send.h - the outbox sender: journey mail to Postfix over SMTP
 *
 * Owns: turning outbox rows into submitted mail. A pass claims due rows
 * (pending, or retry whose time came) FOR UPDATE SKIP LOCKED, marks them
 * `sending` and commits, so several senders (in one process or many)
 * never take the same row; then submits them through libcurl, up to
 * engine.send_connections at once over connections to engine.smtp that
 * stay open from message to message and pass to pass, and records the
 * outcomes in one statement: `sent`; `retry` with back-off
 * (1 min doubling, at most 6 h) on a 4xx reply or a transport failure;
 * `parked` with the reason on a 5xx reply or a template that cannot be
 * used; `skipped` when the address must not get it (marketing: not
 * subscribed, or suppressed; any mail: bounced or complained). A row
 * left `sending` by a sender that died is settled by the
 * next pass after 10 minutes: sent when the milter recorded its message
 * id (the mail got through), else retried; a `retry` the milter recorded
 * (the connection broke after Postfix took the mail) is settled `sent`
 * when it comes due, never submitted twice. A pass claims nothing after
 * five minutes; mail it had queued and not started then is due again at
 * once, its attempt not counted.
 *
 * The message is what the milter expects of a managed message
 * (doc/milter.md): the unrendered template — its subject as Subject, its
 * HTML and text parts as the body (multipart/alternative when both,
 * base64) — with From from the template's header block (engine.from when
 * it has none), To the contact, and the control headers X-Tern-Message
 * (the outbox id), X-Tern-Journey, X-Tern-Step, X-Tern-Category,
 * X-Tern-Template, X-Tern-Tenant and X-Tern-Data (the send's data JSON,
 * base64), and X-Tern-Preheader (the template's preheader, when it has an
 * HTML part to show it in). Templates are found by lib/tplpath, the
 * tenant's own first.
 *
 * Depends on: libcurl, libpq, jansson, lib/tplfile, lib/tplpath, lib/b64,
 * lib/buf, lib/log.
 */
#ifndef TERN_EN_SEND_H
#define TERN_EN_SEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "buf.h"

struct en_send_cfg {
    const char *smtp_url;  /* smtp://host:port */
    const char *templates; /* the templates directory */
    const char *from;      /* From when the template has none; NULL: such mail parks */
    long timeout_s;        /* per message; 0: 60; at most 180 (see en_send.c) */
    int connections;       /* submissions at once (engine.send_connections); 0: 1 */
    long pass_s;           /* a pass starts submissions this long (engine.send_pass); 0: 300 */
};

struct en_sender;

struct en_sender *en_sender_new(const struct en_send_cfg *cfg, char *err, size_t errlen);
void en_sender_free(struct en_sender *s);

/*
 * One pass (an en_sched_sender): batches of `limit` rows, up to eight of
 * them, the next claimed while the last mails of the one before are still
 * being submitted. Rows handled, or -1 with err.
 */
int en_sender_pass(void *sender, PGconn *conn, int64_t now, int limit, char *err, size_t errlen);

/* What a message is built from: one outbox row and its contact. */
struct en_mail {
    const char *id, *journey, *step, *category, *tenant, *template_name, *data, *to;
};

/*
 * Build the message of `m` into `out` and its envelope sender into
 * `from` (the bare address). 0, or -1 with err: a template that is
 * missing or does not parse, or no From.
 */
int en_send_build(const struct en_send_cfg *cfg, const struct en_mail *m, struct buf *out,
                  char *from, size_t fromlen, char *err, size_t errlen);

/* The outcome of one submission. */
enum en_smtp_result { EN_SMTP_SENT, EN_SMTP_RETRY, EN_SMTP_PARK };

#endif
