/*
 * tpl_int.h - the compiled form of a template, shared by the tpl_*.c files
 *
 * Owns: nothing at run time; it describes `struct tpl` for the parser
 * (tpl_parse.c writes it), the renderer (tpl_render.c walks it), filters
 * (tpl_filter.c) and escaping (tpl_escape.c). Not for use outside lib/tpl_*.
 *
 * A template is a flat array of nodes in document order. A node with a body
 * (section, inverted section, parent, block) is followed by its body, and
 * `end` is the index just past the body, so siblings are walked with
 * `i = nodes[i].end` and nothing is ever reparsed at render time. Names,
 * filter arguments, literal text and indentation live in one string pool.
 * Depends on: lib/tpl.h.
 */
#ifndef TERN_TPL_INT_H
#define TERN_TPL_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "tpl.h"

enum tpl_kind {
    TK_TEXT,     /* literal bytes */
    TK_VAR,      /* {{name | filter...}}, {{{name}}}, {{& name}} */
    TK_SECTION,  /* {{#name}} body {{/name}} */
    TK_INVERTED, /* {{^name}} body {{/name}} */
    TK_PARTIAL,  /* {{>name}}, {{>*name}} */
    TK_PARENT,   /* {{<name}} blocks {{/name}} */
    TK_BLOCK,    /* {{$name}} default {{/name}} */
};

enum {
    TF_RAW = 1,        /* never escaped */
    TF_STANDALONE = 2, /* partial/parent/block: alone on its line, re-indents its content */
    TF_DYNAMIC = 4,    /* {{>*name}}: the partial's name is looked up in the view */
    TF_BOL = 8,        /* text starting a source line (compile time only) */
};

struct tpl_node {
    uint8_t kind;
    uint8_t flags;
    uint8_t nseg;         /* name segments; 0 for the implicit iterator "." */
    uint8_t nfilt;        /* filters of an interpolation */
    uint32_t end;         /* index just past this node's body */
    uint32_t off, len;    /* text bytes, or the name as written (NUL-terminated) */
    uint32_t seg;         /* first of nseg entries in segs[] */
    uint32_t filt;        /* first of nfilt entries in filts[]; text while compiling: blanks
                          to drop at each line start (block dedent) */
    uint32_t ind, indlen; /* indentation added to the content's lines */
    uint32_t bef, beflen; /* block: whitespace before the tag, the fallback indentation */
    uint32_t line, col;
};

/* One step of a dotted name: an object key, or an array index when numeric. */
struct tpl_seg {
    uint32_t off, len;
    int32_t index; /* >= 0 when the key is a whole number */
};

enum tpl_fop {
    FOP_DEFAULT,
    FOP_UPCASE,
    FOP_DOWNCASE,
    FOP_CAPITALIZE,
    FOP_DATE,
    FOP_NUMBER,
    FOP_MONEY,
    FOP_URL_ENCODE,
    FOP_TRUNCATE,
};

struct tpl_filt {
    uint8_t op;
    bool has_arg;
    int32_t num;          /* whole-number argument */
    uint32_t arg, arglen; /* string argument (pool, NUL-terminated) */
};

struct tpl {
    struct tpl_node *nodes;
    uint32_t nnodes;
    struct tpl_seg *segs;
    struct tpl_filt *filts;
    char *pool;
    size_t text_bytes; /* literal bytes at top level: a hint to pre-size output */
    char *name;
};

/* Output with a hard cap; `fail` says why the last put failed. */
enum { TPL_OUT_OK, TPL_OUT_CAP, TPL_OUT_NOMEM };
struct tpl_out {
    struct buf *b;
    size_t limit; /* b->len may not exceed this */
    int fail;
};

bool tpl_out_put(struct tpl_out *o, const void *p, size_t n);

/* tpl_escape.c */
bool tpl_escape_html(struct tpl_out *o, const char *s, size_t n);
bool tpl_url_encode(struct buf *b, const char *s, size_t n);

/* tpl_filter.c: compile one "name: arg" filter (p..end) into f; message on error. */
int tpl_filter_compile(const char *p, const char *end, struct buf *pool, struct tpl_filt *f,
                       char *msg, size_t msglen);

/*
 * The value travelling down a filter chain: a JSON value (borrowed from the
 * view) until a filter turns it into bytes. `missing` when there was no data
 * (absent or null) and nothing has replaced it yet.
 */
struct tpl_val {
    json_t *j;
    const char *s;
    size_t n;
    bool is_str; /* s/n are valid */
    bool missing;
};

/* Make v text (numbers, booleans; JSON for containers), using b when it must
 * format. b must not hold v's current bytes. False on ENOMEM. */
bool tpl_val_text(struct tpl_val *v, struct buf *b);
/*
 * Apply one filter to v: the result goes to `out` (reset first), `tmp` is
 * scratch; neither may hold v's bytes. -1 with a message when the input
 * does not fit the filter ("soon" for a date), -2 when out of memory.
 */
int tpl_filter_apply(const struct tpl *t, const struct tpl_filt *f, struct tpl_val *v,
                     struct buf *out, struct buf *tmp, char *msg, size_t msglen);

#endif
