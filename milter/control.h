/*
 * control.h - the X-Tern-* control headers of a managed message
 *
 * Owns: recognising control headers (any header whose name starts with
 * "X-Tern-", case-insensitively: every one of them is removed before
 * delivery) and reading the known ones (DESIGN.md §4.3, doc/milter.md):
 *
 *     X-Tern-Message   UUID chosen by the submitter; else the milter makes one
 *     X-Tern-Journey   attribution (recorded, in the view as message.journey)
 *     X-Tern-Step      attribution (message.step)
 *     X-Tern-Category  marketing (default) | transactional
 *     X-Tern-Data      JSON object, or base64 of one; the view's `data`
 *     X-Tern-Track     all (default) | clicks | opens | none
 *     X-Tern-Template  template name, recorded (extension)
 *     X-Tern-Tenant    tenant of the recipient's contact (extension)
 *     X-Tern-Preheader the preview text's template source, RFC 2047 words
 *                      allowed; rendered as text (extension)
 *
 * A bad value is refused with a reason and leaves the default in place,
 * so a typo in one header never stops the mail. Values are bounded.
 *
 * Depends on: jansson, lib/b64, lib/token (UUID parsing).
 */
#ifndef TERN_MILTER_CONTROL_H
#define TERN_MILTER_CONTROL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define CTL_VALUE_MAX (64u << 10) /* longest control header value (X-Tern-Data) */
#define CTL_NAME_MAX  128         /* longest journey/step/template/tenant name */

enum ctl_category { CTL_MARKETING, CTL_TRANSACTIONAL };

struct ctl {
    bool has_message;
    char message[37]; /* lower-case canonical UUID when has_message */
    char *journey, *step, *template_name, *tenant;
    enum ctl_category category;
    bool track_clicks, track_opens;
    json_t *data;    /* object or NULL */
    char *preheader; /* as sent (unfolded, trimmed) or NULL */
};

void ctl_init(struct ctl *c);
void ctl_free(struct ctl *c);

/* Whether `name` is a control header (X-Tern-*). */
bool ctl_is_control(const char *name);

/*
 * Read one control header. 0 when taken (or an unknown X-Tern-* name,
 * which is ignored), -1 with a reason when the value is refused.
 */
int ctl_apply(struct ctl *c, const char *name, const char *value, char *err, size_t errlen);

/* "marketing" / "transactional". */
const char *ctl_category_name(enum ctl_category cat);

#endif
