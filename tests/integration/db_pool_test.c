/*
 * db_pool_test.c - the connection pool against a real PostgreSQL
 *
 * Run by db_pool.t, which starts a private cluster and exports TERN_DB_URL
 * (database "tern", superuser "tern").
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "tap.h"

static struct db_settings settings;
static PGconn *admin; /* a connection outside the pool, to the postgres database */

static bool
admin_exec(const char *sql)
{
    char err[512];
    bool ok = db_exec(admin, sql, err, sizeof err);
    if (!ok) diag("admin: %s", err);
    return ok;
}

static void
statement_timeout_is_applied(void)
{
    char err[512];
    struct db_settings s = settings;
    s.statement_timeout_ms = 200;
    PGconn *c = db_connect(&s, err, sizeof err);
    ok(c && !db_exec(c, "SELECT pg_sleep(3)", err, sizeof err),
       "a statement over the timeout fails");
    like(err, "canceling statement due to statement timeout", "the error says it was the timeout");
    PQfinish(c);
}

static void
search_path_is_tern(void)
{
    char err[512];
    PGconn *c = db_connect(&settings, err, sizeof err);
    PGresult *res = PQexec(c, "SHOW search_path");
    is_str(PQgetvalue(res, 0, 0), "tern, public", "connections look in the tern schema first");
    PQclear(res);
    PQfinish(c);
}

static void
unreachable_server_error_is_one_clear_line(void)
{
    char err[512];
    struct db_settings s = {.url = "postgresql:///tern?host=/nonexistent&port=1"};
    struct db_pool *p = db_pool_new(&s, 2, err, sizeof err);
    ok(p == NULL, "a pool cannot be created when the server is unreachable");
    like(err, "cannot connect to PostgreSQL: ", "the error says what failed");
    like(err, "/nonexistent", "the error says where it looked");
    ok(strchr(err, '\n') == NULL, "the error is one line");
}

struct worker {
    struct db_pool *pool;
    int failures;
};

static int in_use, max_in_use;
static pthread_mutex_t count_mu = PTHREAD_MUTEX_INITIALIZER;

static void *
hammer(void *arg)
{
    struct worker *w = arg;
    char err[512];
    for (int i = 0; i < 50; i++) {
        PGconn *c = db_lease(w->pool, 5000, err, sizeof err);
        if (!c) {
            w->failures++;
            continue;
        }
        pthread_mutex_lock(&count_mu);
        if (++in_use > max_in_use) max_in_use = in_use;
        pthread_mutex_unlock(&count_mu);
        if (!db_exec(c, "SELECT 1", err, sizeof err)) w->failures++;
        pthread_mutex_lock(&count_mu);
        in_use--;
        pthread_mutex_unlock(&count_mu);
        db_release(w->pool, c);
    }
    return NULL;
}

static void
pool_is_shared_by_threads_within_its_size(void)
{
    char err[512];
    struct db_pool *p = db_pool_new(&settings, 2, err, sizeof err);
    struct worker w[4] = {{p, 0}, {p, 0}, {p, 0}, {p, 0}};
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, hammer, &w[i]);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    is_int(w[0].failures + w[1].failures + w[2].failures + w[3].failures, 0,
           "4 threads x 50 leases on a pool of 2 all succeed");
    ok(max_in_use <= 2, "never more connections in use than the pool holds (%d)", max_in_use);
    db_pool_free(p);
}

static void
busy_pool_times_out_with_a_reason(void)
{
    char err[512];
    struct db_pool *p = db_pool_new(&settings, 1, err, sizeof err);
    PGconn *held = db_lease(p, 1000, err, sizeof err);
    PGconn *second = db_lease(p, 100, err, sizeof err);
    ok(held && !second, "a lease waits at most its timeout when every connection is busy");
    like(err, "all 1 database connections are busy", "the error says the pool is exhausted");
    db_release(p, held);
    db_pool_free(p);
}

static void
connection_left_in_a_transaction_is_not_reused(void)
{
    char err[512];
    struct db_pool *p = db_pool_new(&settings, 1, err, sizeof err);
    PGconn *c = db_lease(p, 1000, err, sizeof err);
    db_exec(c, "BEGIN", err, sizeof err);
    db_release(p, c);
    c = db_lease(p, 1000, err, sizeof err);
    ok(c && PQtransactionStatus(c) == PQTRANS_IDLE,
       "the next lease gets a connection outside any transaction");
    db_release(p, c);
    db_pool_free(p);
}

static void
reconnects_after_server_side_disconnect_with_backoff(void)
{
    char err[512];
    struct db_pool *p = db_pool_new(&settings, 1, err, sizeof err);
    PGconn *c = db_lease(p, 1000, err, sizeof err);
    db_release(p, c);

    admin_exec("ALTER DATABASE tern ALLOW_CONNECTIONS false");
    admin_exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'tern'");
    c = db_lease(p, 1000, err, sizeof err);
    if (c && !db_exec(c, "SELECT 1", err, sizeof err)) { /* found dead only when used */
        db_release(p, c);
        c = db_lease(p, 1000, err, sizeof err);
    }
    ok(c == NULL, "a lease fails while the database refuses connections");
    like(err, "cannot connect to PostgreSQL", "the failure says why");
    c = db_lease(p, 1000, err, sizeof err);
    ok(c == NULL, "an immediate retry fails fast");
    like(err, "next attempt in", "the fast failure says when the next attempt is");

    admin_exec("ALTER DATABASE tern ALLOW_CONNECTIONS true");
    usleep(400 * 1000); /* past the first back-off steps */
    c = db_lease(p, 1000, err, sizeof err);
    ok(c && db_exec(c, "SELECT 1", err, sizeof err), "after the back-off the pool reconnects");
    db_release(p, c);
    db_pool_free(p);
}

int
main(void)
{
    char err[512];
    settings.url = getenv("TERN_DB_URL");
    settings.app_name = "db_pool_test";
    settings.statement_timeout_ms = 10000;
    struct db_settings a = {.url = getenv("TERN_DB_ADMIN_URL")};
    if (!settings.url || !a.url || !(admin = db_connect(&a, err, sizeof err))) {
        printf("Bail out! cannot connect: %s\n", settings.url && a.url ? err : "TERN_DB_URL unset");
        return 1;
    }
    statement_timeout_is_applied();
    search_path_is_tern();
    unreachable_server_error_is_one_clear_line();
    pool_is_shared_by_threads_within_its_size();
    busy_pool_times_out_with_a_reason();
    connection_left_in_a_transaction_is_not_reused();
    reconnects_after_server_side_disconnect_with_backoff();
    PQfinish(admin);
    return tap_done();
}
