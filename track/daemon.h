/*
 * daemon.h - `tern track`: the tracker process from start to stop
 *
 * Owns: the process-wide services (the event spool and its drain into
 * PostgreSQL, the click burst table, metrics), the HTTP server, and the
 * signals: SIGHUP reloads tern.conf (keys, bot rules, proxies; listen,
 * threads, spool and database need a restart), SIGTERM and SIGINT stop.
 * Stopping answers what is in flight, then drains the spool into
 * PostgreSQL for up to five seconds; the rest waits on disk for the next
 * start, which replays it.
 *
 * PostgreSQL down at start does not stop the tracker: hits are spooled
 * and a thread keeps trying to connect; the drain starts once it can.
 *
 * Depends on: lib/{config,db,log,spool,spool_drain}, track/{server,gen,burst,metrics,
 * apikeys,worker}.
 *
 * DIAGNOSTICS
 *     Returns non-zero after logging why it could not start ("spool
 *     /var/spool/tern/track: ...", "listen 127.0.0.1:8080: Address already
 *     in use"). At start: "listening on ADDRESS". On SIGHUP: "reloaded
 *     FILE" or "reload refused, keeping the running configuration: ...".
 */
#ifndef TERN_TRACK_DAEMON_H
#define TERN_TRACK_DAEMON_H

#include "config.h"

/* Run until SIGTERM/SIGINT; `cfg` as loaded from `path` (reloaded from there on SIGHUP). 0 or 1. */
int tr_daemon_run(struct config *cfg, const char *path);

#endif
