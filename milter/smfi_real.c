/*
 * smfi_real.c - smfi_ops over libmilter itself
 *
 * libmilter's prototypes take `char *` where it only reads; the casts
 * below are the one place that papers over that.
 */
#include "smfi_ops.h"

#include <limits.h>

static char *
real_getsymval(SMFICTX *ctx, const char *name)
{
    return smfi_getsymval(ctx, (char *)name);
}

static void *
real_getpriv(SMFICTX *ctx)
{
    return smfi_getpriv(ctx);
}

static int
real_setpriv(SMFICTX *ctx, void *priv)
{
    return smfi_setpriv(ctx, priv);
}

static int
real_setsymlist(SMFICTX *ctx, int stage, const char *macros)
{
    return smfi_setsymlist(ctx, stage, (char *)macros);
}

static int
real_setreply(SMFICTX *ctx, const char *rcode, const char *xcode, const char *text)
{
    return smfi_setreply(ctx, (char *)rcode, (char *)xcode, (char *)text);
}

static int
real_addheader(SMFICTX *ctx, const char *name, const char *value)
{
    return smfi_addheader(ctx, (char *)name, (char *)value);
}

static int
real_chgheader(SMFICTX *ctx, const char *name, int index, const char *value)
{
    return smfi_chgheader(ctx, (char *)name, index, (char *)value);
}

static int
real_replacebody(SMFICTX *ctx, const unsigned char *data, size_t len)
{
    if (len > INT_MAX) return MI_FAILURE; /* callers chunk; never happens */
    return smfi_replacebody(ctx, (unsigned char *)data, (int)len);
}

static int
real_progress(SMFICTX *ctx)
{
    return smfi_progress(ctx);
}

const struct smfi_ops smfi_real_ops = {
    .getsymval = real_getsymval,
    .getpriv = real_getpriv,
    .setpriv = real_setpriv,
    .setsymlist = real_setsymlist,
    .setreply = real_setreply,
    .addheader = real_addheader,
    .chgheader = real_chgheader,
    .replacebody = real_replacebody,
    .progress = real_progress,
};
