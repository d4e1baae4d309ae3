/*
 * control_fuzz.c - libFuzzer target for the X-Tern-* control headers (milter/control.c)
 *
 * The input is a run of headers, one per line, "Name: value". The first
 * byte of each name picks one of the known control headers when it is a
 * digit (so the fuzzer reaches every reader quickly); otherwise the name is
 * taken as written. Every header goes through ctl_apply on one ctl, as the
 * milter reads a message's headers. Then:
 *
 *   1. a refused value comes with a reason, a taken one without an error;
 *   2. the message id, when set, is a lower-case canonical UUID;
 *   3. data is a JSON object or absent; names are at most CTL_NAME_MAX bytes;
 *   4. a name is a control header exactly when it starts with X-Tern-.
 *
 * Any disagreement traps.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "control.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const known[] = {
    "X-Tern-Message", "X-Tern-Journey",  "X-Tern-Step",   "X-Tern-Category",  "X-Tern-Data",
    "X-Tern-Track",   "X-Tern-Template", "X-Tern-Tenant", "X-Tern-Preheader", "x-tern-data"};

static void
check_uuid(const char *id)
{
    for (size_t i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? id[i] != '-'
                 : !(isdigit((unsigned char)id[i]) || (id[i] >= 'a' && id[i] <= 'f')))
            __builtin_trap();
    }
    if (id[36] != '\0') __builtin_trap();
}

static void
check_name(const char *s)
{
    if (s && strlen(s) > CTL_NAME_MAX) __builtin_trap();
}

static void
apply_line(struct ctl *c, char *line)
{
    char *colon = strchr(line, ':');
    if (!colon) return;
    *colon = '\0';
    const char *value = colon[1] == ' ' ? colon + 2 : colon + 1;
    const char *name = line[0] >= '0' && line[0] <= '9' ? known[line[0] - '0'] : line;
    if (ctl_is_control(name) != (strncasecmp(name, "X-Tern-", 7) == 0)) __builtin_trap();
    char err[256] = "";
    int rc = ctl_apply(c, name, value, err, sizeof err);
    if (rc != 0 && rc != -1) __builtin_trap();
    if (rc == -1 && !err[0]) __builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    struct ctl c;
    ctl_init(&c);
    for (char *line = text, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        apply_line(&c, line);
    }
    if (c.has_message) check_uuid(c.message);
    if (c.data && !json_is_object(c.data)) __builtin_trap();
    check_name(c.journey);
    check_name(c.step);
    check_name(c.template_name);
    check_name(c.tenant);
    ctl_free(&c);
    free(text);
    return 0;
}
