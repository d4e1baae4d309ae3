# postfix.sh - a private Postfix instance for tests, delivering into smtp-sink
#
# Source it (after tap.sh), then:
#   pf_require              skip_all unless root with postfix, smtp-sink and swaks
#   pf_start DIR            build an instance in DIR and start it (stopped at exit)
#   pf_use DIR              make the instance in DIR the current one again
#   pf_postconf K=V...      edit the current instance's main.cf and reload it
#   pf_send [SWAKS ARGS]    submit a message to its smtpd; prints the queue id
#   pf_wait_delivered N [S] wait up to S seconds (default 30) for N delivered messages
#   pf_sink_files           print the captured message files, oldest first
#   pf_log                  print the instance's maillog
#   pf_stop [DIR]           stop Postfix and smtp-sink; idempotent
#   pf_on_exit CMD          run CMD when the script exits (tap.sh's at_exit stack)
#   pf_listening PORT       true when something listens on TCP PORT
#   pf_procs DIR            pids of the instance's processes (none once stopped)
#
# An instance is a config directory DIR (main.cf, master.cf) whose smtpd
# listens on a free loopback port and relays everything to an smtp-sink on
# another free loopback port; smtp-sink writes each message it receives to
# its own file under PF_SINK_DIR (its dump format: X-Client-Addr, X-Helo-Args,
# X-Mail-Args, X-Rcpt-Args lines and a three-line Received: header, then the
# message with LF line ends, then one empty line). Nothing is shared with
# /etc/postfix or with other instances: each has its own queue, data
# directory, maillog and syslog_name, so several may run at once, with or
# without a system Postfix.
#
# pf_start reads, when set: PF_SMTPD_MILTERS, PF_NON_SMTPD_MILTERS,
# PF_MILTER_DEFAULT_ACTION (default tempfail, Postfix's own default) and
# PF_EXTRA_MAIN_CF (lines appended to main.cf; later settings win) and
# PF_SINK_DISCARD (non-empty: the sink keeps nothing, for benchmarks). It sets
# and exports PF_DIR (the config directory, for `postfix -c`, `postqueue -c`,
# `sendmail -C`), PF_PORT (smtpd), PF_SINK_PORT and PF_SINK_DIR; pf_use
# switches them between instances. Call pf_start in the test's own shell,
# not in $(...): it registers pf_stop with the exit handlers.
#
# Postfix needs root, and its daemons run as `postfix`: when DIR is not
# reachable by that user (a mktemp -d directory, a private home) or too long
# for the UNIX-domain socket paths under the queue, the queue, data
# directory, sink and maillog live in a directory under $TMPDIR (or /tmp)
# instead, named in DIR/run, which pf_stop removes after copying the maillog
# to DIR/maillog (unless TERN_KEEP_TMP is set).
#
# Helpers keep their variables in a _pf_ namespace: a sourced fixture must
# not clobber the test's own variables (POSIX sh has no locals).

PATH=$PATH:/usr/sbin:/sbin

pf_diag() {
    if command -v diag >/dev/null 2>&1; then diag "$@"; else
        for _pf_line in "$@"; do printf '%s\n' "$_pf_line" | sed 's/^/# /' >&2; done
    fi
}

# pf_on_exit CMD: tap.sh's at_exit when available (one handler stack shared
# with the PostgreSQL fixture); otherwise a small stack of our own, with the
# same order: the last registered runs first.
_pf_exit_cmds=''
pf_on_exit() {
    if command -v at_exit >/dev/null 2>&1; then
        at_exit "$1"
        return
    fi
    _pf_exit_cmds="$1; $_pf_exit_cmds"
    trap '_pf_status=$?; eval "$_pf_exit_cmds"; exit $_pf_status' EXIT
    trap 'exit 130' INT TERM HUP
}

# pf_missing: print why this machine cannot run an instance, if it cannot.
pf_missing() {
    [ "$(id -u)" = 0 ] || { echo "a private Postfix needs root"; return; }
    for _pf_cmd in postfix postconf postqueue smtp-sink swaks runuser; do
        command -v "$_pf_cmd" >/dev/null 2>&1 || { echo "$_pf_cmd is not installed"; return; }
    done
    id postfix >/dev/null 2>&1 || echo "there is no postfix user"
}

pf_require() {
    _pf_why=$(pf_missing)
    [ -z "$_pf_why" ] || skip_all "$_pf_why"
}

# pf_listening PORT: something listens on TCP PORT (IPv4 or IPv6). Read from
# /proc rather than probed, so a check never opens a session.
pf_listening() {
    awk -v port=":$(printf '%04X' "$1")" \
        '$4 == "0A" && substr($2, length($2) - 4) == port { f = 1 } END { exit !f }' \
        /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# pf_free_port: a port below the ephemeral range that nobody listens on.
# Another process can still take it before we bind, so callers retry.
pf_free_port() {
    _pf_n=0
    while [ $_pf_n -lt 50 ]; do
        _pf_port=$((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 12000))
        pf_listening "$_pf_port" || { echo "$_pf_port"; return 0; }
        _pf_n=$((_pf_n + 1))
    done
    return 1
}

# pf_procs DIR: `postfix -c DIR` sets MAIL_CONFIG, and master hands it on to
# every daemon (import_environment), so it marks the instance's processes.
pf_procs() {
    grep -lzxF "MAIL_CONFIG=$1" /proc/[0-9]*/environ 2>/dev/null |
        sed 's,^/proc/\([0-9]*\)/environ$,\1,'
}

# pf_started PID: when the process PID started (ticks since boot), which
# tells it from a later process given the same pid.
pf_started() {
    sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20
}

pf_master_pid() { # DIR
    _pf_q=$(postconf -c "$1" -h queue_directory 2>/dev/null) || return 1
    _pf_pid=$(sed -n '1s/ //gp' "$_pf_q/pid/master.pid" 2>/dev/null)
    [ -n "$_pf_pid" ] && kill -0 "$_pf_pid" 2>/dev/null && echo "$_pf_pid"
}

pf_use() { # DIR
    [ -f "$1/instance.env" ] || { echo "pf_use: no running instance in $1" >&2; return 1; }
    . "$1/instance.env"
    export PF_DIR PF_PORT PF_SINK_PORT PF_SINK_DIR
}

pf_write_main_cf() { # DIR RUN SINKPORT SYSLOGNAME
    cat >"$1/main.cf" <<EOF
# Private test instance: loopback only, relays everything to smtp-sink.
compatibility_level = 3.6
queue_directory = $2/queue
data_directory = $2/data
mail_owner = postfix
setgid_group = postdrop
syslog_name = $4
maillog_file = $2/maillog
maillog_file_prefixes = $2
myhostname = pf.tern.test
mydomain = tern.test
myorigin = \$myhostname
mydestination =
local_recipient_maps =
local_transport = error:5.1.1 no local delivery in the test instance
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:$3
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtp_dns_support_level = disabled
smtpd_peername_lookup = no
smtp_tls_security_level = none
smtpd_tls_security_level = none
biff = no
append_dot_mydomain = no
delay_warning_time = 0
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
smtpd_milters = ${PF_SMTPD_MILTERS:-}
non_smtpd_milters = ${PF_NON_SMTPD_MILTERS:-}
milter_default_action = ${PF_MILTER_DEFAULT_ACTION:-tempfail}
${PF_EXTRA_MAIN_CF:-}
EOF
}

# No chroot anywhere: the queue is a scratch directory without the files a
# chroot needs. proxymap serves the empty local_recipient_maps; postlog
# writes maillog_file.
pf_write_master_cf() { # DIR SMTPDPORT
    cat >"$1/master.cf" <<EOF
127.0.0.1:$2 inet n -       n       -       -       smtpd
pickup     unix  n       -       n       60      1       pickup
cleanup    unix  n       -       n       -       0       cleanup
qmgr       unix  n       -       n       300     1       qmgr
rewrite    unix  -       -       n       -       -       trivial-rewrite
bounce     unix  -       -       n       -       0       bounce
defer      unix  -       -       n       -       0       bounce
trace      unix  -       -       n       -       0       bounce
verify     unix  -       -       n       -       1       verify
flush      unix  n       -       n       1000?   0       flush
proxymap   unix  -       -       n       -       -       proxymap
proxywrite unix  -       -       n       -       1       proxymap
smtp       unix  -       -       n       -       -       smtp
relay      unix  -       -       n       -       -       smtp
showq      unix  n       -       n       -       -       showq
error      unix  -       -       n       -       -       error
retry      unix  -       -       n       -       -       error
discard    unix  -       -       n       -       -       discard
anvil      unix  -       -       n       -       1       anvil
scache     unix  -       -       n       -       1       scache
postlog    unix-dgram n  -       n       -       1       postlogd
EOF
}

# pf_run_dir DIR: where the queue, data, sink and maillog go. The postfix
# user must be able to enter it, and socket paths such as
# queue/private/proxywrite must fit in a sockaddr_un (108 bytes).
pf_run_dir() {
    if [ ${#1} -le 70 ] && runuser -u postfix -- test -x "$1" 2>/dev/null; then
        echo "$1"
        return
    fi
    _pf_tmp=$(mktemp -d "${TMPDIR:-/tmp}/tern-pf.XXXXXX") || return 1
    chmod 755 "$_pf_tmp" && echo "$_pf_tmp"
}

# pf_backdate FILE...: Postfix does not trust a main.cf younger than one
# second (it may still be being edited) and polls until it is older.
pf_backdate() { touch -d '2 seconds ago' "$@"; }

# pf_make_dirs RUN: the queue and data directories as Postfix's post-install
# creates them, from the same list (postfix-files). Doing it here lets
# `postfix start` skip its integrity check (queue/quick-start), which costs
# seconds per start; every message the tests pass through exercises the queue.
pf_make_dirs() {
    _pf_meta=$(postconf -dh meta_directory 2>/dev/null)
    _pf_meta=${_pf_meta:-/etc/postfix}
    awk -F: -v q="$1/queue" -v d="$1/data" '
        $2 != "d" { next }
        {
            path = $1
            if (!sub(/^\$queue_directory/, q, path) && !sub(/^\$data_directory$/, d, path))
                next
            owner = $3 == "$mail_owner" ? "postfix" : $3
            group = $4 == "$setgid_group" ? "postdrop" : ($4 == "-" ? "root" : $4)
            print path, owner, group, $5
        }' "$_pf_meta/postfix-files" >"$1/dirs" || return 1
    while read -r _pf_path _pf_owner _pf_group _pf_mode; do
        mkdir -p "$_pf_path" && chown "$_pf_owner:$_pf_group" "$_pf_path" &&
            chmod "$_pf_mode" "$_pf_path" || return 1
    done <"$1/dirs"
    rm -f "$1/dirs"
    [ -d "$1/queue/private" ] && [ -d "$1/data" ] || {
        echo "cannot create the queue from $_pf_meta/postfix-files" >&2
        return 1
    }
}

# pf_start_sink RUN: smtp-sink on a free port; sets _pf_sink_port, _pf_sink_pid.
pf_start_sink() {
    _pf_try=0
    while [ $_pf_try -lt 5 ]; do
        _pf_try=$((_pf_try + 1))
        _pf_sink_port=$(pf_free_port) || continue
        if [ -n "${PF_SINK_DISCARD:-}" ]; then
            smtp-sink -u postfix "127.0.0.1:$_pf_sink_port" 64 </dev/null >"$1/sink.log" 2>&1 &
        else
            smtp-sink -u postfix -d "$1/sink/%M." "127.0.0.1:$_pf_sink_port" 64 \
                </dev/null >"$1/sink.log" 2>&1 &
        fi
        _pf_sink_pid=$!
        _pf_n=0
        while [ $_pf_n -lt 50 ] && kill -0 "$_pf_sink_pid" 2>/dev/null; do
            pf_listening "$_pf_sink_port" && return 0
            sleep 0.05
            _pf_n=$((_pf_n + 1))
        done
        kill "$_pf_sink_pid" 2>/dev/null
        wait "$_pf_sink_pid" 2>/dev/null
    done
    echo "smtp-sink did not start: $(cat "$1/sink.log")" >&2
    return 1
}

# pf_start_postfix DIR RUN: master with smtpd on a free port; sets
# _pf_port. `postfix start` returns once master has finished its setup
# (master -w), listening sockets included, or has failed.
pf_start_postfix() {
    _pf_try=0
    while [ $_pf_try -lt 5 ]; do
        _pf_try=$((_pf_try + 1))
        _pf_port=$(pf_free_port) || continue
        pf_write_master_cf "$1" "$_pf_port"
        pf_backdate "$1/main.cf" "$1/master.cf"
        : >"$2/queue/quick-start"
        if postfix -c "$1" start </dev/null >"$2/start.log" 2>&1 && pf_listening "$_pf_port"; then
            return 0
        fi
        postfix -c "$1" abort </dev/null >/dev/null 2>&1
        grep -qs 'in use' "$2/start.log" "$2/maillog" || break
    done
    echo "Postfix did not start:" >&2
    cat "$2/start.log" >&2
    tail -n 20 "$2/maillog" >&2 2>/dev/null
    return 1
}

pf_start() { # DIR
    _pf_why=$(pf_missing)
    [ -z "$_pf_why" ] || { echo "pf_start: $_pf_why" >&2; return 1; }
    mkdir -p "$1" || return 1
    _pf_dir=$(cd "$1" && pwd -P) || return 1
    [ ! -f "$_pf_dir/instance.env" ] || pf_stop "$_pf_dir"
    chmod 755 "$_pf_dir"
    _pf_run=$(pf_run_dir "$_pf_dir") || return 1
    [ "$_pf_run" = "$_pf_dir" ] || echo "$_pf_run" >"$_pf_dir/run"
    pf_make_dirs "$_pf_run" || return 1
    mkdir -p "$_pf_run/sink" && chown postfix:postfix "$_pf_run/sink" || return 1
    : >"$_pf_run/maillog"
    pf_on_exit "pf_stop '$_pf_dir'"
    pf_start_sink "$_pf_run" || {
        [ "$_pf_run" = "$_pf_dir" ] || rm -rf "$_pf_run"
        return 1
    }
    # The state pf_stop needs is on disk before anything can fail.
    cat >"$_pf_dir/instance.env" <<EOF
PF_DIR='$_pf_dir'
PF_RUN='$_pf_run'
PF_PORT=''
PF_SINK_PORT=$_pf_sink_port
PF_SINK_PID=$_pf_sink_pid
PF_SINK_STARTED=$(pf_started "$_pf_sink_pid")
PF_SINK_DIR='$_pf_run/sink'
PF_SINK_DISCARDS='${PF_SINK_DISCARD:-}'
EOF
    # syslog_name keeps the lines apart should any reach the system log.
    pf_write_main_cf "$_pf_dir" "$_pf_run" "$_pf_sink_port" \
        "tern-pf-$(basename "$_pf_dir" | tr -c 'A-Za-z0-9\n' -)"
    pf_start_postfix "$_pf_dir" "$_pf_run" || return 1
    sed -i "s/^PF_PORT=.*/PF_PORT=$_pf_port/" "$_pf_dir/instance.env"
    pf_use "$_pf_dir"
}

# pf_stop [DIR]: master first (it stops its daemons), then smtp-sink. Runs
# in a subshell: reading the instance's state must not switch the current one.
pf_stop() {
    _pf_dir=${1:-${PF_DIR:-}}
    [ -n "$_pf_dir" ] && [ -f "$_pf_dir/instance.env" ] || return 0
    (
        . "$_pf_dir/instance.env"
        if pf_master_pid "$_pf_dir" >/dev/null; then
            postfix -c "$_pf_dir" stop </dev/null >/dev/null 2>&1
        fi
        _pf_n=0
        while [ $_pf_n -lt 100 ]; do
            _pf_pids=$(pf_procs "$_pf_dir")
            [ -n "$_pf_pids" ] || break
            [ $_pf_n -lt 50 ] || kill -9 $_pf_pids 2>/dev/null
            sleep 0.1
            _pf_n=$((_pf_n + 1))
        done
        # Only signal the pid if it still is our smtp-sink, not a reused one.
        if [ -n "$PF_SINK_PID" ] && [ "$(pf_started "$PF_SINK_PID")" = "$PF_SINK_STARTED" ]; then
            kill "$PF_SINK_PID" 2>/dev/null
            _pf_n=0
            while [ $_pf_n -lt 50 ] && kill -0 "$PF_SINK_PID" 2>/dev/null; do
                sleep 0.1
                _pf_n=$((_pf_n + 1))
            done
            kill -9 "$PF_SINK_PID" 2>/dev/null
        fi
        if [ "$PF_RUN" != "$_pf_dir" ]; then
            cp "$PF_RUN/maillog" "$_pf_dir/maillog" 2>/dev/null
            [ -n "${TERN_KEEP_TMP:-}" ] || rm -rf "$PF_RUN"
        fi
    )
    mv "$_pf_dir/instance.env" "$_pf_dir/instance.stopped"
}

# pf_postconf KEY=VALUE...: reload, then wait for every daemon started under
# the old settings to exit (they do at their earliest convenience), so that
# the next session sees the new ones.
pf_postconf() {
    postconf -c "$PF_DIR" -e "$@" || return 1
    pf_backdate "$PF_DIR/main.cf"
    _pf_old=$(pf_procs "$PF_DIR")
    _pf_master=$(pf_master_pid "$PF_DIR")
    postfix -c "$PF_DIR" reload </dev/null >/dev/null 2>&1 || return 1
    _pf_n=0
    while [ $_pf_n -lt 100 ]; do
        _pf_left=''
        for _pf_pid in $_pf_old; do
            [ "$_pf_pid" = "$_pf_master" ] || ! kill -0 "$_pf_pid" 2>/dev/null ||
                _pf_left="$_pf_left $_pf_pid"
        done
        [ -n "$_pf_left" ] || return 0
        sleep 0.1
        _pf_n=$((_pf_n + 1))
    done
    echo "pf_postconf: daemons$_pf_left still run with the old settings" >&2
    return 1
}

# pf_send [SWAKS ARGS]: one SMTP session with swaks. The defaults, a sender
# and a recipient at example addresses, are overridden by the arguments
# (swaks keeps the last of a repeated option). Note that swaks ends every
# --body with empty lines of its own. Prints the queue id; on failure prints
# the transcript to stderr and returns swaks' status. Every transcript is
# appended to $PF_DIR/swaks.log.
pf_send() {
    _pf_out=$(swaks --server 127.0.0.1 --port "$PF_PORT" --timeout 30 \
        --from sender@example.com --to rcpt@example.net "$@" </dev/null 2>&1)
    _pf_rc=$?
    printf '%s\n' "$_pf_out" >>"$PF_DIR/swaks.log"
    if [ $_pf_rc -ne 0 ]; then
        printf 'swaks failed (exit %d):\n%s\n' "$_pf_rc" "$_pf_out" >&2
        return $_pf_rc
    fi
    printf '%s\n' "$_pf_out" | sed -n 's/^<- *250 .*queued as \([0-9A-Za-z]*\).*/\1/p' | tail -n 1
}

# pf_sink_files: complete captures only; smtp-sink keeps a file open while
# its transaction is in progress. The directory is listed before the open
# files are read: a capture created after the listing is not in it, and one
# listed is either still open (left out) or complete.
pf_sink_files() {
    _pf_open=$(for _pf_fd in /proc/"$PF_SINK_PID"/fd/*; do readlink "$_pf_fd"; done 2>/dev/null)
    # One awk for the whole list, not a grep per file: waits poll this often.
    ls -tr "$PF_SINK_DIR" 2>/dev/null | _pf_open=$_pf_open awk -v dir="$PF_SINK_DIR" '
        BEGIN { n = split(ENVIRON["_pf_open"], o, "\n"); for (i = 1; i <= n; i++) open[o[i]] = 1 }
        $0 != "" && !((dir "/" $0) in open) { print dir "/" $0 }'
}

pf_log() { cat "$PF_RUN/maillog"; }

# pf_delivered_count: messages the sink has taken: its complete captures,
# or, from a sink started with PF_SINK_DISCARD, Postfix's deliveries. (The
# instance's own record says which: PF_SINK_DISCARD may have been set for
# the pf_start call only.)
pf_delivered_count() {
    if [ -n "${PF_SINK_DISCARDS:-}" ]; then
        grep -c ' status=sent ' "$PF_RUN/maillog"
    else
        pf_sink_files | wc -l
    fi
}

pf_wait_delivered() { # N [TIMEOUT_SECONDS]
    _pf_n=0
    while :; do
        _pf_got=$(pf_delivered_count)
        [ "$_pf_got" -lt "$1" ] || return 0
        [ $_pf_n -lt $((${2:-30} * 10)) ] || break
        # Mail deferred while a milter or the sink was away: retry it now.
        [ $((_pf_n % 20)) -ne 19 ] || postqueue -c "$PF_DIR" -f >/dev/null 2>&1
        sleep 0.1
        _pf_n=$((_pf_n + 1))
    done
    pf_diag "pf_wait_delivered: $_pf_got of $1 messages after ${2:-30} s; the queue:" \
        "$(postqueue -c "$PF_DIR" -p 2>&1)" "the maillog's end:" "$(tail -n 30 "$PF_RUN/maillog")"
    return 1
}
