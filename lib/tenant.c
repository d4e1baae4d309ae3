/*
 * tenant.c - tenant names and the login -> tenant map (see tenant.h)
 */
#include "tenant.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "config.h"

bool
tenant_name_valid(const char *s, size_t n)
{
    if (n == 0 || n > TENANT_NAME_MAX ||
        !(islower((unsigned char)s[0]) || isdigit((unsigned char)s[0])))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '_' &&
            s[i] != '-')
            return false;
    return true;
}

bool
tenant_folder_shared(const char *s, size_t n)
{
    static const char *const shared[] = {"journeys", "segments", "hooks", "lib"};
    for (size_t i = 0; i < sizeof shared / sizeof *shared; i++)
        if (strlen(shared[i]) == n && memcmp(s, shared[i], n) == 0) return true;
    return false;
}

/* The `n` bytes at `s` without blanks around them. */
static void
trim(const char **s, size_t *n)
{
    while (*n && isspace((unsigned char)**s))
        (*s)++, (*n)--;
    while (*n && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

/* One "login : tenant" entry; false when it is not one. */
struct entry {
    const char *login, *tenant;
    size_t login_len, tenant_len;
};

static bool
split_entry(const char *item, struct entry *e)
{
    const char *colon = strchr(item, ':');
    if (!colon || strchr(colon + 1, ':')) return false;
    e->login = item, e->login_len = (size_t)(colon - item);
    e->tenant = colon + 1, e->tenant_len = strlen(colon + 1);
    trim(&e->login, &e->login_len);
    trim(&e->tenant, &e->tenant_len);
    return e->login_len > 0 && tenant_name_valid(e->tenant, e->tenant_len);
}

const char *
tenant_map_check(const char *map, char *why, size_t n)
{
    char item[512];
    const char *pos = map;
    struct entry e;
    while (config_list_next(&pos, item, sizeof item)) {
        if (!item[0]) continue;
        if (!split_entry(item, &e)) {
            snprintf(why, n,
                     "\"%s\" is not login:tenant (a tenant is lower-case letters, digits, _ and -)",
                     item);
            return why;
        }
    }
    return NULL;
}

bool
tenant_map_find(const char *map, const char *login, char tenant[TENANT_NAME_MAX + 1])
{
    char item[512];
    const char *pos = map;
    struct entry e;
    if (!map || !login) return false;
    while (config_list_next(&pos, item, sizeof item)) {
        if (!item[0] || !split_entry(item, &e)) continue;
        if (e.login_len == strlen(login) && memcmp(e.login, login, e.login_len) == 0) {
            snprintf(tenant, TENANT_NAME_MAX + 1, "%.*s", (int)e.tenant_len, e.tenant);
            return true;
        }
    }
    return false;
}
