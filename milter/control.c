/*
 * control.c - parsing X-Tern-* header values
 *
 * Values arrive as the MTA sent them: possibly with a leading space and
 * folded over several lines. Each is unfolded and trimmed first.
 */
#include "control.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "b64.h"
#include "token.h"

#define PREFIX "X-Tern-"

void
ctl_init(struct ctl *c)
{
    memset(c, 0, sizeof *c);
    c->category = CTL_MARKETING;
    c->track_clicks = c->track_opens = true;
}

void
ctl_free(struct ctl *c)
{
    free(c->journey);
    free(c->step);
    free(c->template_name);
    free(c->tenant);
    json_decref(c->data);
    free(c->preheader);
    ctl_init(c);
}

bool
ctl_is_control(const char *name)
{
    return name && strncasecmp(name, PREFIX, sizeof PREFIX - 1) == 0;
}

const char *
ctl_category_name(enum ctl_category cat)
{
    return cat == CTL_TRANSACTIONAL ? "transactional" : "marketing";
}

/* Unfold (drop CR and LF) and trim into a new string; NULL on no memory. */
static char *
clean(const char *v)
{
    size_t n = strlen(v), j = 0;
    char *s = malloc(n + 1);
    if (!s) return NULL;
    for (size_t i = 0; i < n; i++)
        if (v[i] != '\r' && v[i] != '\n') s[j++] = v[i];
    while (j && isspace((unsigned char)s[j - 1]))
        j--;
    s[j] = '\0';
    size_t k = 0;
    while (s[k] && isspace((unsigned char)s[k]))
        k++;
    memmove(s, s + k, j - k + 1);
    return s;
}

/* A name: printable ASCII without blanks, 1..CTL_NAME_MAX bytes. */
static bool
good_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > CTL_NAME_MAX) return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] <= ' ' || s[i] > '~') return false;
    return true;
}

static int
set_name(char **slot, char *v, const char *what, char *err, size_t errlen)
{
    if (!good_name(v)) {
        snprintf(err, errlen, "%s: not a name (1-%u printable characters, no blanks)", what,
                 CTL_NAME_MAX);
        free(v);
        return -1;
    }
    free(*slot);
    *slot = v;
    return 0;
}

/* JSON text, or base64 (blanks ignored) of JSON text, holding an object. */
static json_t *
parse_data(const char *v, char *err, size_t errlen)
{
    json_error_t je;
    if (v[0] == '{') {
        json_t *j = json_loads(v, JSON_REJECT_DUPLICATES, &je);
        if (!j) snprintf(err, errlen, "X-Tern-Data: invalid JSON: %s", je.text);
        return j;
    }
    size_t n = strlen(v), m = 0;
    char *compact = malloc(n + 1), *raw = malloc(n + 1);
    json_t *j = NULL;
    if (!compact || !raw) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        if (!isspace((unsigned char)v[i])) compact[m++] = v[i];
    size_t rawlen;
    if (!b64_decode(compact, m, B64_STD, raw, n, &rawlen)) {
        snprintf(err, errlen, "X-Tern-Data: neither a JSON object nor base64");
        goto out;
    }
    j = json_loadb(raw, rawlen, JSON_REJECT_DUPLICATES, &je);
    if (!j) snprintf(err, errlen, "X-Tern-Data: invalid JSON after base64: %s", je.text);
out:
    free(compact);
    free(raw);
    return j;
}

static int
set_data(struct ctl *c, const char *v, char *err, size_t errlen)
{
    json_t *j = parse_data(v, err, errlen);
    if (!j) return -1;
    if (!json_is_object(j)) {
        snprintf(err, errlen, "X-Tern-Data: must be a JSON object");
        json_decref(j);
        return -1;
    }
    json_decref(c->data);
    c->data = j;
    return 0;
}

static int
set_track(struct ctl *c, const char *v, char *err, size_t errlen)
{
    static const struct {
        const char *name;
        bool clicks, opens;
    } modes[] = {{"all", true, true},
                 {"clicks", true, false},
                 {"opens", false, true},
                 {"none", false, false}};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        if (strcasecmp(v, modes[i].name) == 0) {
            c->track_clicks = modes[i].clicks;
            c->track_opens = modes[i].opens;
            return 0;
        }
    }
    snprintf(err, errlen, "X-Tern-Track: expected all, clicks, opens or none");
    return -1;
}

static int
set_category(struct ctl *c, const char *v, char *err, size_t errlen)
{
    if (strcasecmp(v, "marketing") == 0) {
        c->category = CTL_MARKETING;
    } else if (strcasecmp(v, "transactional") == 0) {
        c->category = CTL_TRANSACTIONAL;
    } else {
        snprintf(err, errlen, "X-Tern-Category: expected marketing or transactional");
        return -1;
    }
    return 0;
}

static int
set_message(struct ctl *c, const char *v, char *err, size_t errlen)
{
    unsigned char raw[16];
    if (!tok_uuid_parse(v, strlen(v), raw)) {
        snprintf(err, errlen, "X-Tern-Message: not a UUID");
        return -1;
    }
    tok_uuid_format(raw, c->message);
    c->has_message = true;
    return 0;
}

/* Dispatch on the part after "X-Tern-"; `v` is the cleaned value (consumed). */
static int
apply(struct ctl *c, const char *key, char *v, char *err, size_t errlen)
{
    int rc = 0;
    if (strcasecmp(key, "Journey") == 0)
        return set_name(&c->journey, v, "X-Tern-Journey", err, errlen);
    if (strcasecmp(key, "Step") == 0) return set_name(&c->step, v, "X-Tern-Step", err, errlen);
    if (strcasecmp(key, "Template") == 0)
        return set_name(&c->template_name, v, "X-Tern-Template", err, errlen);
    if (strcasecmp(key, "Tenant") == 0)
        return set_name(&c->tenant, v, "X-Tern-Tenant", err, errlen);
    if (strcasecmp(key, "Preheader") == 0) { /* any text: a template, checked when rendered */
        free(c->preheader);
        c->preheader = v;
        return 0;
    }
    if (strcasecmp(key, "Message") == 0)
        rc = set_message(c, v, err, errlen);
    else if (strcasecmp(key, "Category") == 0)
        rc = set_category(c, v, err, errlen);
    else if (strcasecmp(key, "Data") == 0)
        rc = set_data(c, v, err, errlen);
    else if (strcasecmp(key, "Track") == 0)
        rc = set_track(c, v, err, errlen);
    free(v);
    return rc;
}

int
ctl_apply(struct ctl *c, const char *name, const char *value, char *err, size_t errlen)
{
    if (!ctl_is_control(name)) return 0;
    if (strlen(value) > CTL_VALUE_MAX) {
        snprintf(err, errlen, "%s: value over %u bytes", name, CTL_VALUE_MAX);
        return -1;
    }
    char *v = clean(value);
    if (!v) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return apply(c, name + sizeof PREFIX - 1, v, err, errlen);
}
