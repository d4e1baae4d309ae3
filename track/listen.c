/*
 * listen.c - bind track.listen (see listen.h)
 */
#include "listen.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define BACKLOG 1024

static int
fail(int fd, char *err, size_t errlen, const char *spec, const char *why)
{
    snprintf(err, errlen, "listen %s: %s", spec, why);
    if (fd >= 0) close(fd);
    return -1;
}

static int
finish(int fd, const char *spec, char *err, size_t errlen)
{
    if (listen(fd, BACKLOG) != 0) return fail(fd, err, errlen, spec, strerror(errno));
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) /* pool threads share it */
        return fail(fd, err, errlen, spec, strerror(errno));
    return fd;
}

static int
open_unix(const char *spec, char *bound, size_t boundlen, char *err, size_t errlen)
{
    const char *path = spec + 5;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    struct stat st;
    if (strlen(path) >= sizeof sa.sun_path) return fail(-1, err, errlen, spec, "path too long");
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) return fail(-1, err, errlen, spec, "exists and is not a socket");
        unlink(path); /* left behind by a previous run */
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || chmod(path, 0666) != 0)
        return fail(fd, err, errlen, spec, strerror(errno));
    snprintf(bound, boundlen, "%s", spec);
    return finish(fd, spec, err, errlen);
}

/* "host:port" or "[v6]:port" into its parts. */
static int
split_host_port(const char *spec, char *host, size_t hostlen, const char **port)
{
    const char *colon = strrchr(spec, ':');
    if (!colon || !colon[1]) return -1;
    const char *h = spec;
    size_t hl = (size_t)(colon - spec);
    if (h[0] == '[') {
        if (hl < 2 || h[hl - 1] != ']') return -1;
        h++;
        hl -= 2;
    }
    if (hl == 0 || hl >= hostlen) return -1;
    memcpy(host, h, hl);
    host[hl] = '\0';
    *port = colon + 1;
    return 0;
}

static void
describe(int fd, char *bound, size_t boundlen)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    char host[NI_MAXHOST], serv[NI_MAXSERV];
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0 ||
        getnameinfo((struct sockaddr *)&ss, len, host, sizeof host, serv, sizeof serv,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        snprintf(bound, boundlen, "?");
        return;
    }
    snprintf(bound, boundlen, ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host, serv);
}

static int
open_inet(const char *spec, char *bound, size_t boundlen, char *err, size_t errlen)
{
    char host[256];
    const char *port;
    if (split_host_port(spec, host, sizeof host, &port) < 0)
        return fail(-1, err, errlen, spec, "expected HOST:PORT, [IPv6]:PORT or unix:/path");
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *ai;
    int rc = getaddrinfo(host, port, &hints, &ai);
    if (rc != 0) return fail(-1, err, errlen, spec, gai_strerror(rc));
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        freeaddrinfo(ai);
        return fail(fd, err, errlen, spec, strerror(errno));
    }
    freeaddrinfo(ai);
    describe(fd, bound, boundlen);
    return finish(fd, spec, err, errlen);
}

int
tr_listen_open(const char *spec, char *bound, size_t boundlen, char *err, size_t errlen)
{
    if (strncmp(spec, "unix:", 5) == 0) return open_unix(spec, bound, boundlen, err, errlen);
    return open_inet(spec, bound, boundlen, err, errlen);
}
