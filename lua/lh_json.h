/*
 * lh_json.h - JSON (jansson) <-> Lua values
 *
 * Owns: the one conversion between jansson values and Lua values that every
 * binding uses (contact records, X-Tern-Data, views, event data, jsonb
 * columns, json.encode/json.decode in scripts).
 *
 * JSON -> Lua: object -> table with string keys; array -> sequence (1-based);
 * string -> string; integer -> Lua integer (all 64 bits kept); real ->
 * float; true/false -> boolean; null -> the sentinel `json.null` (a light
 * userdata, so a null inside an array keeps its position).
 *
 * Lua -> JSON: a table whose keys are exactly 1..n (n >= 1) -> array; any
 * other table -> object (string keys only; an empty table is an empty
 * object); integer -> integer; float -> real (NaN and infinities refused);
 * string -> string (must be UTF-8); boolean; nil and `json.null` -> null.
 * Refused, with the path of the offending value in the reason
 * ("view.items[3]: a function cannot become JSON"): functions, userdata
 * other than json.null, threads, cycles, non-string non-sequence keys, and
 * nesting deeper than LH_JSON_MAX_DEPTH.
 *
 * Depends on: Lua 5.4, jansson.
 */
#ifndef TERN_LH_JSON_H
#define TERN_LH_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>
#include <lua.h>

#define LH_JSON_MAX_DEPTH 64

/*
 * Push `v` (NULL pushes nil) as a Lua value. Allocates: call from inside a
 * protected call (a binding, or a C function run through lh_pcall); raises
 * a Lua memory error otherwise.
 */
void lh_json_push(lua_State *L, const json_t *v);

/*
 * Convert the Lua value at `idx` to a new JSON reference. `what` names the
 * value in error messages ("view"). NULL with the reason in err; never
 * raises except on memory errors (same protection rule as lh_json_push).
 */
json_t *lh_json_from(lua_State *L, int idx, const char *what, char *err, size_t errlen);

/*
 * Charge what jansson allocates on this thread to the memory the state
 * running on `L` has left, until lh_json_uncharge: the C trees and texts of
 * a conversion live outside the Lua allocator, and a table holding one
 * long string a hundred times would otherwise copy it a hundred times past
 * any budget. An allocation past what is left fails (jansson then reports
 * out of memory). lh_json_install makes jansson allocate through the
 * charge (once per process, before threads start); a call into a state
 * ends any charge its bindings left behind.
 */
void lh_json_install(void);
void lh_json_charge(lua_State *L);
void lh_json_uncharge(void);

/*
 * After a charged call failed: when an allocation went past the charge, run
 * a full collection of the state (its memory in use counts garbage not yet
 * collected) and return true, so the caller tries once more; else false.
 * Call from a C function of the state, never from its allocator.
 */
bool lh_json_collect_for_retry(lua_State *L);

/* `v` as compact JSON text with sorted keys (json.encode's), charged and
 * retried as above; NULL when it does not fit. free() the text. */
char *lh_json_dump(lua_State *L, const json_t *v);

/*
 * Push the JSON value in the `len` bytes at `text` as lh_json_push would
 * push it parsed (lh_json_text.c): for hot paths that would parse only to
 * push. A top-level object's table is sized for its members plus `room`
 * fields the caller sets afterwards. Raises "JSON: REASON at byte N" for
 * text that is not one JSON value; same protection rule as lh_json_push.
 */
void lh_json_push_text(lua_State *L, const char *text, size_t len, int room);

/* Push the `json.null` sentinel. */
void lh_json_push_null(lua_State *L);

#endif
