/*
 * noop_milter.c - the baseline for bench/milter.sh: a libmilter milter that
 * reads every header and body chunk and changes nothing
 *
 * It negotiates exactly like tern milter (no reply for every step but end
 * of message, no HELO/DATA/unknown), so the ratio tern / no-op measures
 * tern's own work, not the protocol.
 *
 * With `replace` it also keeps each body and hands it back at end of
 * message with smfi_replacebody, as tern does with a managed message's new
 * body: what that costs Postfix (cleanup rewrites the queue file) is then
 * in the reference too, and tern / replacing no-op is tern's own work alone.
 *
 * Usage: noop_milter SOCKET [replace]   (libmilter syntax: inet:PORT@127.0.0.1)
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmilter/mfapi.h>
#include <libmilter/mfdef.h>

#define NR                                                                                         \
    (SMFIP_NR_CONN | SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY)

#define CHUNK 65535 /* bytes per smfi_replacebody, as tern sends them */

static unsigned long bytes; /* touched so the body is really read */
static bool replace;        /* hand every body back at end of message */

/* A connection's body so far (replace only). */
struct body {
    unsigned char *data;
    size_t len, cap;
};

static struct body *
body_of(SMFICTX *ctx)
{
    struct body *b = smfi_getpriv(ctx);
    if (!b && (b = calloc(1, sizeof *b)) && smfi_setpriv(ctx, b) != MI_SUCCESS) {
        free(b);
        b = NULL;
    }
    return b;
}

static bool
keep(SMFICTX *ctx, const unsigned char *chunk, size_t len)
{
    struct body *b = body_of(ctx);
    if (!b) return false;
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;
        while (cap < b->len + len)
            cap *= 2;
        unsigned char *p = realloc(b->data, cap);
        if (!p) return false;
        b->data = p, b->cap = cap;
    }
    memcpy(b->data + b->len, chunk, len);
    b->len += len;
    return true;
}

/* Send the kept body back as the new body; forget it. */
static sfsistat
give_back(SMFICTX *ctx)
{
    struct body *b = smfi_getpriv(ctx);
    sfsistat r = SMFIS_CONTINUE;
    for (size_t off = 0; b && off < b->len && r == SMFIS_CONTINUE; off += CHUNK) {
        size_t n = b->len - off < CHUNK ? b->len - off : CHUNK;
        if (smfi_replacebody(ctx, b->data + off, (int)n) != MI_SUCCESS) r = SMFIS_TEMPFAIL;
    }
    if (b) b->len = 0;
    return r;
}

static sfsistat
negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2, unsigned long f3,
          unsigned long *pf0, unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
    (void)ctx, (void)f2, (void)f3;
    *pf0 = f0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY);
    *pf1 = f1 & (NR | SMFIP_NOHELO | SMFIP_NODATA | SMFIP_NOUNKNOWN | SMFIP_HDR_LEADSPC);
    *pf2 = *pf3 = 0;
    return SMFIS_CONTINUE;
}

static sfsistat
noreply(SMFICTX *ctx)
{
    (void)ctx;
    return SMFIS_NOREPLY;
}

static sfsistat
connect_cb(SMFICTX *ctx, char *host, _SOCK_ADDR *addr)
{
    (void)host, (void)addr;
    return noreply(ctx);
}

static sfsistat
args_cb(SMFICTX *ctx, char **argv)
{
    (void)argv;
    return noreply(ctx);
}

static sfsistat
header_cb(SMFICTX *ctx, char *name, char *value)
{
    __atomic_add_fetch(&bytes, strlen(name) + strlen(value), __ATOMIC_RELAXED);
    return noreply(ctx);
}

static sfsistat
body_cb(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
    __atomic_add_fetch(&bytes, len, __ATOMIC_RELAXED);
    if (replace && !keep(ctx, chunk, len)) return SMFIS_TEMPFAIL;
    return noreply(ctx);
}

static sfsistat
eom_cb(SMFICTX *ctx)
{
    return replace ? give_back(ctx) : SMFIS_CONTINUE;
}

static sfsistat
abort_cb(SMFICTX *ctx)
{
    struct body *b = smfi_getpriv(ctx);
    if (b) b->len = 0;
    return SMFIS_CONTINUE;
}

static sfsistat
close_cb(SMFICTX *ctx)
{
    struct body *b = smfi_getpriv(ctx);
    if (b) {
        smfi_setpriv(ctx, NULL);
        free(b->data);
        free(b);
    }
    return SMFIS_CONTINUE;
}

int
main(int argc, char **argv)
{
    replace = argc == 3 && strcmp(argv[2], "replace") == 0;
    if (argc != 2 && !replace) {
        fprintf(stderr, "usage: noop_milter SOCKET [replace]\n");
        return 2;
    }
    struct smfiDesc d;
    memset(&d, 0, sizeof d);
    d.xxfi_name = "noop";
    d.xxfi_version = SMFI_VERSION;
    d.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY;
    d.xxfi_negotiate = negotiate;
    d.xxfi_connect = connect_cb;
    d.xxfi_envfrom = args_cb;
    d.xxfi_envrcpt = args_cb;
    d.xxfi_header = header_cb;
    d.xxfi_eoh = noreply;
    d.xxfi_body = body_cb;
    d.xxfi_eom = eom_cb;
    d.xxfi_abort = abort_cb;
    d.xxfi_close = close_cb;
    if (smfi_setconn(argv[1]) != MI_SUCCESS || smfi_register(d) != MI_SUCCESS) return 1;
    return smfi_main() == MI_SUCCESS ? 0 : 1;
}
