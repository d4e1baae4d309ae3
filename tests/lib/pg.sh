# pg.sh - a private PostgreSQL cluster for tests and the local demo
#
# Source it, then:
#   pg_start_temp         fresh cluster in a scratch dir, stopped and removed at exit
#   pg_start DIR          cluster in DIR, created on first use, kept (the demo)
#   pg_stop [DIR]         stop it (immediate; tests do not need a checkpoint)
#   pg_restart            start the last one again on the same port (outage tests)
#   pg_sql SQL            run SQL through psql, print unaligned tuples
# Both start functions export PGHOST, PGPORT, PGUSER, PGDATABASE and
# TERN_DB_URL. The cluster listens on a unix socket inside its own
# directory only (no TCP), so clusters never collide with each other or
# with a system server. As root, the server runs as the `postgres` user
# (PostgreSQL refuses to run as root).
#
# initdb is the slow part (1-2 s); the first call keeps a pristine cluster
# under $TERN_TMPDIR/pg-template and later calls copy it.

PG_BINDIR=${PG_BINDIR:-/usr/lib/postgresql/15/bin}

pg_as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_own() { # give DIR to the server's user
    if [ "$(id -u)" = 0 ]; then chown -R postgres:postgres "$1"; fi
}

# As root the server runs as `postgres`, which may not be able to reach a
# directory under a private home (say /root/tern/build). Then the cluster
# lives in the system temp dir instead.
pg_reachable() {
    [ "$(id -u)" != 0 ] || runuser -u postgres -- test -x "$1" 2>/dev/null
}

pg_scratch_root() {
    base=${TERN_TMPDIR:-${TMPDIR:-/tmp}}
    mkdir -p "$base"
    if pg_reachable "$base"; then echo "$base"; else echo "${TMPDIR:-/tmp}"; fi
}

pg_template() {
    tpl=$(pg_scratch_root)/tern-pg-template-$("$PG_BINDIR/postgres" -V | sed 's/[^0-9.]//g')
    [ -f "$tpl/PG_VERSION" ] && { echo "$tpl"; return 0; }
    mkdir -p "$(dirname "$tpl")"
    # mkdir is atomic: one process builds the template, others wait for it.
    if mkdir "$tpl.lock" 2>/dev/null; then
        rm -rf "$tpl.new"; mkdir -p "$tpl.new"; pg_own "$tpl.new"
        if pg_as_owner "$PG_BINDIR/initdb" -D "$tpl.new" -U tern -A trust -E UTF8 \
                --locale=C.UTF-8 --no-sync >"$tpl.log" 2>&1; then
            mv "$tpl.new" "$tpl"
        fi
        rmdir "$tpl.lock"
    else
        i=0
        while [ -d "$tpl.lock" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
    fi
    [ -f "$tpl/PG_VERSION" ] || { echo "initdb failed: $(cat "$tpl.log" 2>/dev/null)" >&2; return 1; }
    echo "$tpl"
}

# A unix socket's path holds at most 107 bytes, and PostgreSQL adds
# "/.s.PGSQL.NNNNN" (16) to its directory. A cluster deep in a build tree
# (a distcheck of a checkout far from /) gets its socket in a short
# directory under /tmp instead, named after the cluster's directory so a
# restart and the next demo run find the same one.
pg_socket_name() {
    if [ $((${#1} + 16)) -le 107 ]; then echo "$1"; return 0; fi
    echo "/tmp/tern-pg-$(printf '%s' "$1" | cksum | cut -d' ' -f1)"
}

pg_socket_dir() {
    s=$(pg_socket_name "$1")
    mkdir -p "$s" && pg_own "$s" && echo "$s"
}

# pg_start DIR [durable]: "durable" keeps fsync on (benchmarks, the demo).
pg_start() {
    pg_dir=$1
    mkdir -p "$pg_dir"
    if [ ! -f "$pg_dir/data/PG_VERSION" ]; then
        tpl=$(pg_template) || return 1
        cp -a "$tpl" "$pg_dir/data"
    fi
    pg_own "$pg_dir"
    chmod 700 "$pg_dir/data"
    pg_sock=$(pg_socket_dir "$pg_dir") || return 1
    PGPORT=$(( (($$ + $(date +%N | sed 's/^0*//;s/^$/0/')) % 20000) + 40000 ))
    fast="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    [ "${2:-}" = durable ] && fast=""
    pg_opts="-c listen_addresses='' -c unix_socket_directories='$pg_sock' -p $PGPORT $fast ${PG_EXTRA_OPTS:-}"
    if ! pg_as_owner "$PG_BINDIR/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
            -o "$pg_opts" start >/dev/null; then
        echo "PostgreSQL did not start; its log:" >&2
        cat "$pg_dir/server.log" >&2
        return 1
    fi
    PGHOST=$pg_sock PGUSER=tern PGDATABASE=tern
    export PGHOST PGPORT PGUSER PGDATABASE
    TERN_DB_URL="postgresql:///tern?host=$pg_sock&port=$PGPORT&user=tern"
    export TERN_DB_URL
    "$PG_BINDIR/psql" -qAtX -d postgres -c "SELECT 1 FROM pg_database WHERE datname = 'tern'" \
        | grep -q 1 || "$PG_BINDIR/createdb" tern
}

pg_stop() {
    d=${1:-$pg_dir}
    [ -f "$d/data/postmaster.pid" ] || return 0
    pg_as_owner "$PG_BINDIR/pg_ctl" -D "$d/data" -m "${PG_STOP_MODE:-immediate}" -w stop >/dev/null 2>&1
}

# pg_restart: start the cluster pg_start started last, after pg_stop,
# on the same port and socket, so connection strings handed out before
# keep working.
pg_restart() {
    pg_as_owner "$PG_BINDIR/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
        -o "$pg_opts" start >/dev/null
}

pg_start_temp() {
    pg_tmp=$(mktemp -d "$(pg_scratch_root)/$(basename "$0" .t)-pg.XXXXXX") || return 1
    chmod 755 "$pg_tmp"
    at_exit "pg_stop '$pg_tmp/pg'; [ -n \"\${TERN_KEEP_TMP:-}\" ] || rm -rf '$pg_tmp' '$(pg_socket_name "$pg_tmp/pg")'"
    pg_start "$pg_tmp/pg"
}

pg_sql() {
    "$PG_BINDIR/psql" -qAtX -v ON_ERROR_STOP=1 -c "$1"
}
