/*
 * view.h - the template view of one managed message (DESIGN.md §4.4)
 *
 * Owns: the JSON object every template of a managed message renders
 * against:
 *
 *     contact.*   the recipient's contact (lib/contact_view: email, id,
 *                 tenant and every attribute); absent when unknown or when
 *                 the message has several recipients
 *     data.*      X-Tern-Data ({} when none)
 *     message.id, message.journey, message.step, message.template,
 *     message.category
 *     links.unsubscribe, links.preferences, links.confirm   (per recipient,
 *                 signed; absent when anonymous)
 *
 * then the keys a message hook put in m.view, merged over the top level.
 *
 * Depends on: jansson, milter/control, milter/tracking.
 */
#ifndef TERN_MILTER_VIEW_H
#define TERN_MILTER_VIEW_H

#include <jansson.h>

#include "control.h"
#include "tracking.h"

struct view_in {
    json_t *contact;        /* object or NULL (borrowed) */
    const struct ctl *ctl;  /* data, journey, step, template */
    const char *message_id; /* canonical UUID text */
    const char *category;   /* after hooks */
    json_t *hook_view;      /* object or NULL (borrowed), merged last */
    struct trk *trk;        /* signs the links */
};

/* A new view object, or NULL with a reason. */
json_t *view_build(const struct view_in *in, char *err, size_t errlen);

#endif
