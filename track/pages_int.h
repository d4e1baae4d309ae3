/*
 * pages_int.h - what pages.c and pages_builtin.c share. Not for other modules.
 */
#ifndef TERN_TRACK_PAGES_INT_H
#define TERN_TRACK_PAGES_INT_H

struct tr_page_src {
    const char *name;
    const char *src;
};

/* Every page with its built-in source, ending with {NULL, NULL}. */
extern const struct tr_page_src tr_builtin_pages[];

#endif
