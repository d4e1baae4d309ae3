/*
 * noop_milter.c - the baseline for bench/milter.sh: a libmilter milter that
 * reads every header and body chunk and changes nothing
 *
 * It negotiates exactly like tern milter (no reply for every step but end
 * of message, no HELO/DATA/unknown), so the ratio tern / no-op measures
 * tern's own work, not the protocol.
 *
 * Usage: noop_milter SOCKET   (libmilter syntax: inet:PORT@127.0.0.1)
 */
#include <stdio.h>
#include <string.h>

#include <libmilter/mfapi.h>
#include <libmilter/mfdef.h>

#define NR                                                                                         \
    (SMFIP_NR_CONN | SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY)

static unsigned long bytes; /* touched so the body is really read */

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
    (void)chunk;
    __atomic_add_fetch(&bytes, len, __ATOMIC_RELAXED);
    return noreply(ctx);
}

static sfsistat
eom_cb(SMFICTX *ctx)
{
    (void)ctx;
    return SMFIS_CONTINUE;
}

int
main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: noop_milter SOCKET\n");
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
    if (smfi_setconn(argv[1]) != MI_SUCCESS || smfi_register(d) != MI_SUCCESS) return 1;
    return smfi_main() == MI_SUCCESS ? 0 : 1;
}
