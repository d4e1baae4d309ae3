/*
 * view.c - building the template view (see view.h)
 */
#include "view.h"

#include <stdio.h>

static int
set_str(json_t *o, const char *key, const char *v)
{
    return v ? json_object_set_new(o, key, json_string(v)) : 0;
}

static json_t *
message_obj(const struct view_in *in)
{
    json_t *m = json_object();
    if (!m || set_str(m, "id", in->message_id) < 0 || set_str(m, "journey", in->ctl->journey) < 0 ||
        set_str(m, "step", in->ctl->step) < 0 ||
        set_str(m, "template", in->ctl->template_name) < 0 ||
        set_str(m, "category", in->category) < 0) {
        json_decref(m);
        return NULL;
    }
    return m;
}

json_t *
view_build(const struct view_in *in, char *err, size_t errlen)
{
    json_t *v = json_object(), *links = json_object();
    json_t *data = in->ctl->data ? json_incref(in->ctl->data) : json_object();
    json_t *msg = message_obj(in);
    if (!v || !links || !data || !msg) goto nomem;
    if (in->contact && json_object_set(v, "contact", in->contact) < 0) goto nomem;
    if (json_object_set(v, "data", data) < 0 || json_object_set(v, "message", msg) < 0) goto nomem;
    if (trk_view_links(in->trk, links, err, errlen) < 0) goto fail;
    if (json_object_set(v, "links", links) < 0) goto nomem;
    if (in->hook_view && json_object_update(v, in->hook_view) < 0) goto nomem;
    json_decref(links);
    json_decref(data);
    json_decref(msg);
    return v;
nomem:
    snprintf(err, errlen, "out of memory");
fail:
    json_decref(v);
    json_decref(links);
    json_decref(data);
    json_decref(msg);
    return NULL;
}
