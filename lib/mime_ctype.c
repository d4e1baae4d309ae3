/*
 * mime_ctype.c - set the charset parameter of a Content-Type value as written
 *
 * The value is edited as text, not re-serialized: every other parameter,
 * comment, quote and fold stays as the sender wrote it, and hostile
 * parameter syntax never reaches a parameter encoder. Parameters are split
 * at semicolons outside quoted strings and comments; the first `charset`
 * (or RFC 2231 `charset*`, `charset*0*` ...) parameter is replaced, any
 * further ones dropped, and when there is none one is appended.
 *
 * Hostile values can make the textual edit and GMime's parser disagree (a
 * stray quote, say): the result is parsed back with GMime and accepted
 * only when it names the same type, the new charset, and every other
 * parameter with its old value. Otherwise the leaf is left alone.
 */
#include "mime_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* End of the parameter starting at `at`: the next ';' outside quotes and comments. */
static size_t
param_end(const char *v, size_t at, size_t n)
{
    bool quoted = false;
    int comment = 0;
    for (size_t i = at; i < n; i++) {
        char c = v[i];
        if (c == '\\' && (quoted || comment) && i + 1 < n)
            i++;
        else if (c == '"' && !comment)
            quoted = !quoted;
        else if (!quoted && c == '(')
            comment++;
        else if (!quoted && comment && c == ')')
            comment--;
        else if (!quoted && !comment && c == ';')
            return i;
    }
    return n;
}

static bool
is_charset(const char *v, size_t at, size_t end)
{
    while (at < end && (v[at] == ' ' || v[at] == '\t' || v[at] == '\n' || v[at] == '\r'))
        at++;
    if (end - at < 7 || strncasecmp(v + at, "charset", 7) != 0) return false;
    at += 7;
    return at < end && (v[at] == '*' || v[at] == '=' || v[at] == ' ' || v[at] == '\t');
}

/* Without trailing white space and line ends. */
static size_t
trimmed(const char *v, size_t n)
{
    while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\n' || v[n - 1] == '\r'))
        n--;
    return n;
}

/* Value of parameter `name` in `list`, NULL when absent. */
static const char *
param(GMimeParamList *list, const char *name)
{
    int n = g_mime_param_list_length(list);
    for (int i = 0; i < n; i++) {
        GMimeParam *p = g_mime_param_list_get_parameter_at(list, i);
        if (g_ascii_strcasecmp(g_mime_param_get_name(p), name) == 0)
            return g_mime_param_get_value(p);
    }
    return NULL;
}

/* Does GMime read `value` as `was` with only its charset changed to `charset`? */
static bool
reads_back(GMimeContentType *was, const char *value, const char *charset)
{
    GMimeContentType *now = g_mime_content_type_parse(NULL, value);
    if (!now) return false;
    GMimeParamList *old = g_mime_content_type_get_parameters(was);
    GMimeParamList *new = g_mime_content_type_get_parameters(now);
    const char *cs = param(new, "charset");
    bool same = g_mime_content_type_is_type(now, g_mime_content_type_get_media_type(was),
                                            g_mime_content_type_get_media_subtype(was)) &&
                cs && g_ascii_strcasecmp(cs, charset) == 0 &&
                g_mime_param_list_length(new) ==
                    g_mime_param_list_length(old) + (param(old, "charset") ? 0 : 1);
    int n = g_mime_param_list_length(old);
    for (int i = 0; same && i < n; i++) {
        GMimeParam *p = g_mime_param_list_get_parameter_at(old, i);
        const char *name = g_mime_param_get_name(p), *v = param(new, name);
        same = g_ascii_strcasecmp(name, "charset") == 0 ||
               (v && strcmp(v, g_mime_param_get_value(p)) == 0);
    }
    g_object_unref(now);
    return same;
}

static char *
edited(const char *v, size_t n, const char *charset)
{
    struct buf out = BUF_INIT;
    bool good = true, done = false;
    n = trimmed(v, n);
    size_t at = param_end(v, 0, n); /* the type/subtype */
    good = buf_append(&out, v, at);
    while (good && at < n) {
        size_t end = param_end(v, at + 1, n);
        if (!is_charset(v, at + 1, end))
            good = buf_append(&out, v + at, end - at); /* ";" and the parameter as written */
        else if (!done)
            good = buf_printf(&out, "; charset=%s", charset), done = true;
        at = end;
    }
    if (good && !done) good = buf_printf(&out, "; charset=%s", charset);
    if (!good) buf_free(&out);
    return good ? out.data : NULL;
}

int
mime_ctype_with_charset(GMimeContentType *was, const char *v, size_t n, const char *charset,
                        char **out)
{
    *out = edited(v, n, charset);
    if (!*out) return -1;
    if (reads_back(was, *out, charset)) return 1;
    free(*out);
    *out = NULL;
    return 0;
}
