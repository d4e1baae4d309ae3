/*
 * preheader.c - a hidden preview element at the top of the HTML body (see preheader.h)
 *
 * The styles hide the element in every common client: display:none for
 * most, mso-hide:all for Outlook's Word engine, zero size and overflow for
 * those that drop display.
 */
#include "preheader.h"

#include "links.h"

bool
preheader_markup(const char *text, size_t len, struct buf *out)
{
    if (!buf_reserve(out, 6 * len + 160)) return false; /* the worst escape can no longer fail */
    if (!buf_puts(out, "<div style=\"display:none;max-height:0;max-width:0;overflow:hidden;"
                       "opacity:0;font-size:1px;line-height:1px;mso-hide:all\">"))
        return false;
    links_attr_escape(out, text, len); /* & < > " ' : text, never markup */
    return buf_puts(out, "</div>");
}
