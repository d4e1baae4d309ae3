/*
 * tenant.h - what a tenant name is, and the login -> tenant map
 *
 * Owns: the one definition of a valid tenant name (the `tenants.id`
 * check of sql/0001_contacts.sql: a lower-case letter or digit, then up
 * to 62 of letters, digits, '_' and '-'), the scripts folders that are no
 * tenant's, and reading the comma-separated
 * "login:tenant" list of milter.sasl_tenants.
 *
 * Depends on: lib/config (list iteration).
 */
#ifndef TERN_TENANT_H
#define TERN_TENANT_H

#include <stdbool.h>
#include <stddef.h>

#define TENANT_NAME_MAX 63

/* Whether the `n` bytes at `s` are a valid tenant name. */
bool tenant_name_valid(const char *s, size_t n);

/*
 * Whether a scripts tree's top-level folder named by the `n` bytes at `s`
 * is one every tenant shares (journeys, segments, hooks, lib) rather than
 * a tenant's own: scripts/journeys/a.lua is shared, scripts/nl/journeys/
 * a.lua is tenant nl's.
 */
bool tenant_folder_shared(const char *s, size_t n);

/*
 * Check a "login:tenant, login:tenant" list. NULL when it is good, else a
 * reason naming the bad entry ("\"shop\" is not login:tenant").
 */
const char *tenant_map_check(const char *map, char *why, size_t n);

/*
 * The tenant `map` gives `login` (exact, case-sensitive: SASL logins are),
 * copied into `tenant`. false when the login is not in the map (or the map
 * is NULL).
 */
bool tenant_map_find(const char *map, const char *login, char tenant[TENANT_NAME_MAX + 1]);

#endif
