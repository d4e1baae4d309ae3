/*
 * shell.h - the libmilter callbacks: protocol, trust and the managed decision
 *
 * Owns: negotiation (only the actions and protocol steps the milter needs;
 * no reply for every step but end of message, and for RCPT too unless
 * multi_recipient = split), the per-connection and per-message state
 * behind smfi_setpriv, deciding whether a message is managed (DESIGN.md
 * §4.3), removing control headers, the size limit, the multi-recipient
 * split rule, and at end of message running the pipeline and playing its
 * plan, or the failure policy.
 *
 * The split rule: a RCPT is answered 452 4.5.3 when the connection's
 * generation has multi_recipient = split, the submitter is trusted, its
 * envelope sender matches managed_senders and the transaction already has
 * a recipient. Only the envelope is known at RCPT time and an accepted
 * recipient cannot be taken back, so mail that is managed only through an
 * X-Tern-* header and has several recipients is tracked anonymously.
 *
 * Depends on: milter/session, milter/plan, milter/smfi_ops, lib/log.
 *
 * THREADS
 *     milter_shell_init() once; milter_shell_set_gen() from any thread
 *     (reload); callbacks from libmilter's workers.
 */
#ifndef TERN_MILTER_SHELL_H
#define TERN_MILTER_SHELL_H

#include "session.h"
#include "smfi_ops.h"

/* The macros the milter asks for, per stage (smfi_setsymlist). */
#define MILTER_MACROS_CONNECT "{daemon_name} {client_addr}"
#define MILTER_MACROS_MAIL    "{auth_authen} {client_addr} {daemon_name} {mail_addr}"
#define MILTER_MACROS_RCPT    "{rcpt_addr}"
#define MILTER_MACROS_EOH     "i"
#define MILTER_MACROS_EOM     "i"

/* Actions requested (masked by what the MTA offers). */
#define MILTER_ACTIONS (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY | SMFIF_SETSYMLIST)

/* Set the smfi interface the callbacks use. Call before any callback. */
void milter_shell_init(const struct smfi_ops *ops);

/* Make `g` current for new connections (takes the reference); the old one is unref'd. */
void milter_shell_set_gen(struct milter_gen *g);

/* A new reference to the current generation, or NULL. */
struct milter_gen *milter_shell_gen(void);

/* Fill a libmilter filter description named `name` with the callbacks below. */
void milter_shell_desc(struct smfiDesc *d, const char *name);

/* The callbacks (public for the in-process harness). */
sfsistat milter_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
                          unsigned long f3, unsigned long *pf0, unsigned long *pf1,
                          unsigned long *pf2, unsigned long *pf3);
sfsistat milter_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *addr);
sfsistat milter_envfrom(SMFICTX *ctx, char **argv);
sfsistat milter_envrcpt(SMFICTX *ctx, char **argv);
sfsistat milter_header(SMFICTX *ctx, char *name, char *value);
sfsistat milter_eoh(SMFICTX *ctx);
sfsistat milter_body(SMFICTX *ctx, unsigned char *chunk, size_t len);
sfsistat milter_eom(SMFICTX *ctx);
sfsistat milter_abort(SMFICTX *ctx);
sfsistat milter_close(SMFICTX *ctx);

#endif
