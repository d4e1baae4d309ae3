/*
 * pages_builtin.c - the built-in page templates (see pages.h)
 *
 * Plain, small, accessible: one heading, one sentence, one form with a
 * real <button>, labels on every input, no script, one inline style
 * block (the CSP allows inline styles and nothing else).
 */
#include <stddef.h>
#include <string.h>

#include "pages_int.h"

static const char layout[] =
    "<!doctype html>\n"
    "<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<meta name=\"robots\" content=\"noindex\">\n"
    "<title>{{$title}}{{/title}}</title>\n"
    "<style>body{font:1.05rem/1.5 system-ui,sans-serif;max-width:34rem;margin:3rem auto;"
    "padding:0 1rem;color:#1a1a1a;background:#fff}button{font:inherit;padding:.5rem 1.3rem;"
    "border:2px solid #1a1a1a;border-radius:.3rem;background:#fff;cursor:pointer}"
    "button:focus{outline:3px solid #0a58ca}fieldset{border:0;padding:0;margin:1rem 0}"
    "legend{font-weight:600}label{display:block;margin:.25rem 0}"
    ".error{color:#a00000;font-weight:600}</style>\n"
    "</head><body><main>\n{{$body}}{{/body}}\n</main></body></html>\n";

static const char unsubscribe[] =
    "{{<layout}}{{$title}}Unsubscribe{{/title}}{{$body}}<h1>Unsubscribe</h1>\n"
    "<p>{{#list}}Stop receiving <strong>{{list}}</strong> mail from us?{{/list}}"
    "{{^list}}Stop receiving all mail from us?{{/list}}</p>\n"
    "<form method=\"post\"><input type=\"hidden\" name=\"unsubscribe\" value=\"yes\">"
    "<button type=\"submit\">Unsubscribe</button></form>{{/body}}{{/layout}}";

static const char unsubscribed[] =
    "{{<layout}}{{$title}}Unsubscribed{{/title}}{{$body}}<h1>You are unsubscribed</h1>\n"
    "<p>{{#list}}You will get no more <strong>{{list}}</strong> mail from us.{{/list}}"
    "{{^list}}You will get no more mail from us.{{/list}}</p>{{/body}}{{/layout}}";

static const char confirm[] =
    "{{<layout}}{{$title}}Confirm your subscription{{/title}}{{$body}}"
    "<h1>Confirm your subscription</h1>\n<p>Please confirm that you want to get our mail.</p>\n"
    "<form method=\"post\"><input type=\"hidden\" name=\"confirm\" value=\"yes\">"
    "<button type=\"submit\">Confirm</button></form>{{/body}}{{/layout}}";

static const char confirmed[] =
    "{{<layout}}{{$title}}Subscription confirmed{{/title}}{{$body}}<h1>Thank you</h1>\n"
    "<p>Your subscription is confirmed.</p>{{/body}}{{/layout}}";

static const char preferences[] =
    "{{<layout}}{{$title}}Your preferences{{/title}}{{$body}}<h1>Your preferences</h1>\n"
    "{{#error}}<p class=\"error\" role=\"alert\">{{error}}</p>\n{{/error}}"
    "<form method=\"post\">\n"
    "<fieldset><legend>Topics</legend>\n{{#topics}}<label><input type=\"checkbox\" "
    "name=\"topic\" value=\"{{name}}\"{{#checked}} checked{{/checked}}> {{name}}</label>\n"
    "{{/topics}}</fieldset>\n"
    "<fieldset><legend>Channel</legend>\n{{#channels}}<label><input type=\"radio\" "
    "name=\"channel\" value=\"{{name}}\"{{#checked}} checked{{/checked}}> {{name}}</label>\n"
    "{{/channels}}</fieldset>\n"
    "<fieldset><legend>How often</legend>\n{{#frequencies}}<label><input type=\"radio\" "
    "name=\"frequency\" value=\"{{name}}\"{{#checked}} checked{{/checked}}> {{name}}</label>\n"
    "{{/frequencies}}</fieldset>\n"
    "<p><label for=\"pause\">Pause all mail until (optional)</label>\n"
    "<input id=\"pause\" type=\"date\" name=\"pause_until\" value=\"{{pause_until}}\"></p>\n"
    "<button type=\"submit\">Save</button></form>{{/body}}{{/layout}}";

static const char preferences_saved[] =
    "{{<layout}}{{$title}}Preferences saved{{/title}}{{$body}}<h1>Saved</h1>\n"
    "<p>Your preferences are saved.</p>{{/body}}{{/layout}}";

const struct tr_page_src tr_builtin_pages[] = {
    {"layout", layout},
    {"unsubscribe", unsubscribe},
    {"unsubscribed", unsubscribed},
    {"confirm", confirm},
    {"confirmed", confirmed},
    {"preferences", preferences},
    {"preferences_saved", preferences_saved},
    {NULL, NULL},
};
