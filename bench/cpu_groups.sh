# bench/cpu_groups.sh - the machine's CPU split by group of processes
#
# cpu_snapshot FILE writes one line per live process: pid, group, its own
# ticks and its reaped children's ticks. cpu_groups FILE0 FILE1 COUNT
# prints the ms of CPU per COUNT between two snapshots for each group:
# postfix (master and every daemon it forks; reaped ones count through the
# master), milter (tern, noop_milter), load (smtp-source, smtp-sink),
# postgres, kernel (kernel threads: journal, writeback, softirq), other.
# smtp-source exits before the second snapshot: its time counts through the
# benchmark's shell that reaps it, so that shell is load too. Reaped
# children count only in these groups: elsewhere they are whatever else
# ran on the machine and ended meanwhile.
# Sourced by bench/milter.sh.

cpu_snapshot() {
    # One cat, so the snapshot's own processes hardly count.
    cat /proc/[0-9]*/stat 2>/dev/null | awk '
        { # comm may hold spaces and parentheses: split after its last ")"
            i = index($0, "("); j = match($0, /\) [A-Z] /)
            pid = substr($0, 1, i - 2); comm = substr($0, i + 1, j - i - 1)
            n = split(substr($0, j + 2), f, " ") # f[1] = state, f[2] = ppid
            own = f[12] + f[13]; kids = f[14] + f[15]
            g = "other"
            if (f[2] == 2 || pid == 2) g = "kernel"
            else if (comm ~ /^(master|smtpd|cleanup|qmgr|smtp|trivial-rewrite|anvil|pickup|bounce|proxymap|scache|tlsmgr|postdrop|sendmail|showq|postqueue)$/) g = "postfix"
            else if (comm ~ /^(tern|noop_milter)$/) g = "milter"
            else if (comm ~ /^(smtp-source|smtp-sink|milter\.sh)$/) g = "load"
            else if (comm ~ /^postgres/) g = "postgres"
            if (g == "other" || g == "kernel") kids = 0 # not ours to count
            print pid, g, own, kids
        }' >"$1"
}

cpu_groups() {
    awk -v n="$3" -v hz="$(getconf CLK_TCK)" '
        NR == FNR { own[$1] = $3; kids[$1] = $4; next }
        { d = $3 - (($1 in own) ? own[$1] : 0) + $4 - (($1 in kids) ? kids[$1] : 0)
          if (d > 0) t[$2] += d }
        END {
            split("postfix milter load postgres kernel other", order, " ")
            for (k = 1; k <= 6; k++)
                printf "%s%s %.2f", (k > 1 ? ", " : ""), order[k], t[order[k]] * 1000 / hz / n
            print " ms"
        }' "$1" "$2"
}
