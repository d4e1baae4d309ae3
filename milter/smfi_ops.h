/*
 * smfi_ops.h - every libmilter call the milter makes, behind one interface
 *
 * Owns: the struct of function pointers through which the milter talks to
 * libmilter. The daemon uses smfi_real_ops (smfi_real.c, thin wrappers
 * over smfi_*); tests pass their own table that plays the MTA and records
 * every operation, so the whole message path runs in-process without a
 * socket or an MTA. No milter code calls smfi_* directly.
 *
 * Depends on: libmilter's headers (types and constants only).
 */
#ifndef TERN_SMFI_OPS_H
#define TERN_SMFI_OPS_H

#include <stddef.h>

#include <libmilter/mfapi.h>
#include <libmilter/mfdef.h>

struct smfi_ops {
    char *(*getsymval)(SMFICTX *ctx, const char *name);
    void *(*getpriv)(SMFICTX *ctx);
    int (*setpriv)(SMFICTX *ctx, void *priv);
    int (*setsymlist)(SMFICTX *ctx, int stage, const char *macros);
    int (*setreply)(SMFICTX *ctx, const char *rcode, const char *xcode, const char *text);
    int (*addheader)(SMFICTX *ctx, const char *name, const char *value);
    /* value NULL deletes the `index`-th (1-based) header called `name` */
    int (*chgheader)(SMFICTX *ctx, const char *name, int index, const char *value);
    int (*replacebody)(SMFICTX *ctx, const unsigned char *data, size_t len);
    int (*progress)(SMFICTX *ctx);
};

/* The real thing: smfi_* from libmilter. */
extern const struct smfi_ops smfi_real_ops;

#endif
