/*
 * rewrite.h - the per-message pipeline of a managed message
 *
 * Owns: turning one managed message into its edit plan, in this order:
 *
 *   1. message id (X-Tern-Message or a new UUID), tenant (X-Tern-Tenant or
 *      milter.tenant), the recipient's contact when there is exactly one
 *      recipient (several: anonymous, message-level tokens, no contact
 *      fields; lookup failing: anonymous, logged);
 *   2. the `hook "message"` scripts (category, view, tracking switches,
 *      header edits, reject/tempfail/discard);
 *   3. the view (milter/view.h);
 *   4. the Subject rendered as a text template (RFC 2047 encoded when not
 *      ASCII);
 *   5. every rewritable text leaf (lib/mime.h): the body of a managed
 *      message is its template source, rendered in HTML context for
 *      text/html and text context for text/plain, leniently; then its
 *      http(s) links become click URLs (lib/links.h) unless clicks are
 *      off; the first HTML leaf gets the open pixel (unless opens are off)
 *      and, with track.honeypot, the honeypot link, before </body>, and
 *      X-Tern-Preheader, rendered as text, as a hidden element just past
 *      <body> (milter/preheader.h);
 *   6. List-Unsubscribe and List-Unsubscribe-Post for marketing mail to a
 *      known contact; top-level Content-Type/Content-Transfer-Encoding
 *      changes (and MIME-Version when missing) as header operations;
 *      removal of the hook's headers and every control header;
 *   7. the record (one messages row and its email.sent event).
 *
 * Any failure returns -1 with the cause; the shell then applies
 * milter.on_error to the untouched message.
 *
 * Depends on: milter/session, milter/view, milter/tracking, lib/tpl,
 * lib/links, lib/mime, lib/log, lua/lh_msg (types only).
 */
#ifndef TERN_MILTER_REWRITE_H
#define TERN_MILTER_REWRITE_H

#include <stddef.h>

#include "buf.h"
#include "plan.h"
#include "session.h"

/* The milter_deps.process of the daemon. */
int rw_process(struct milter_job *job, struct plan *plan, char *err, size_t errlen);

/*
 * Encode a UTF-8 header value for a header: as it is when printable ASCII,
 * else RFC 2047 encoded words (UTF-8, base64) that never split a character.
 */
bool rw_encode_header(const char *utf8, struct buf *out);

#endif
