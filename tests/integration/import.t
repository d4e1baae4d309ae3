#!/bin/sh
# tern contacts import: RFC 4180 CSV into contacts; bad rows reported by
# line number, every good row kept.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"

tern_test_db

attr() { pg_sql "SELECT attributes->>'$2' FROM tern.contacts WHERE email = '$1'"; }
count() { pg_sql "SELECT count(*) FROM tern.contacts"; }

# --- a clean file: LF line ends, BOM, quotes, embedded newline, types ---
printf '\357\273\277email,first_name,orders:int,ltv:number,vip:bool,note\n' >"$dir/a.csv"
printf 'Ann@Example.com,Ann,3,184.50,yes,"likes ""prints"", albums"\n' >>"$dir/a.csv"
printf 'bob@example.com,Bob,0,0,no,"line one\nline two"\n' >>"$dir/a.csv"
printf 'cy@example.com,,1,2.5,false,\n' >>"$dir/a.csv"
run_tern contacts import "$dir/a.csv"
is "$status" 0 "a clean file imports with status 0"
like "$out" "3 rows: 3 new, 0 updated, 0 unchanged, 0 rejected" "summary counts the new contacts"
is "$(count)" 3 "every row became a contact"
is "$(pg_sql "SELECT email FROM tern.contacts ORDER BY id LIMIT 1")" "ann@example.com" "the address is normalized to lower case"
is "$(attr ann@example.com note)" 'likes "prints", albums' "quoted field with doubled quotes and comma is kept"
is "$(attr bob@example.com note)" "line one
line two" "a newline inside quotes is kept"
is "$(pg_sql "SELECT attributes->'orders' FROM tern.contacts WHERE email = 'ann@example.com'")" 3 "an :int column stores a JSON number"
is "$(pg_sql "SELECT attributes->'vip' FROM tern.contacts WHERE email = 'ann@example.com'")" true "a :bool column stores a JSON boolean"
is "$(pg_sql "SELECT attributes->'ltv' FROM tern.contacts WHERE email = 'ann@example.com'")" 184.5 "a :number column stores a JSON number"
is "$(pg_sql "SELECT attributes ? 'first_name' FROM tern.contacts WHERE email = 'cy@example.com'")" f "an empty cell leaves the attribute absent"

# --- importing the same file again changes nothing ---
run_tern contacts import "$dir/a.csv"
like "$out" "3 rows: 0 new, 0 updated, 3 unchanged, 0 rejected" "re-importing the same file changes nothing"

# --- updates merge attributes; status only for new contacts; CRLF ---
pg_sql "UPDATE tern.contacts SET status = 'unsubscribed' WHERE email = 'bob@example.com'"
printf 'email,status,city\r\nbob@example.com,subscribed,Utrecht\r\ndee@example.com,pending,Gouda\r\n' >"$dir/b.csv"
run_tern contacts import "$dir/b.csv"
is "$status" 0 "a CRLF file imports"
like "$out" "2 rows: 1 new, 1 updated" "CRLF file: one new, one updated"
is "$(attr bob@example.com city)" Utrecht "an update adds the new attribute"
is "$(attr bob@example.com first_name)" Bob "an update keeps attributes the file does not mention"
is "$(pg_sql "SELECT status FROM tern.contacts WHERE email = 'bob@example.com'")" unsubscribed "an import never re-subscribes a contact"
is "$(pg_sql "SELECT status FROM tern.contacts WHERE email = 'dee@example.com'")" pending "status applies to a new contact"

# --- bad rows are reported by line; good rows kept ---
{
    printf 'email,tenant,timezone,orders:int\n'
    printf 'good1@example.com,nl,Europe/Amsterdam,1\n'            # line 2
    printf 'not-an-address,nl,,\n'                                # line 3
    printf 'good2@example.com,NL!,,\n'                            # line 4
    printf 'good3@example.com,de,Mars/Olympus,\n'                 # line 5
    printf 'good4@example.com,de,,many\n'                         # line 6
    printf 'good5@example.com,de\n'                               # line 7
    printf 'bad\377utf8@example.com,de,,\n'                       # line 8
    printf 'good6@example.com,de,Europe/Berlin,2\n'               # line 9
} >"$dir/c.csv"
run_tern contacts import "$dir/c.csv"
is "$status" 3 "a file with rejected rows exits with status 3"
like "$err" "c.csv:3: email: " "an invalid address is reported with its line"
like "$err" "c.csv:4: tenant: " "an invalid tenant is reported with its line"
like "$err" "c.csv:5: timezone: not a known IANA time zone" "an unknown time zone is reported"
like "$err" "c.csv:6: orders: \"many\" is not a whole number" "a bad typed value names the column"
like "$err" "c.csv:7: row has 2 fields, the header has 4" "a short row is reported"
like "$err" "c.csv:8: email: not valid UTF-8" "invalid UTF-8 is reported with its line"
like "$out" "8 rows: 2 new, 0 updated, 0 unchanged, 6 rejected" "the good rows of a partly bad file are kept"
is "$(pg_sql "SELECT tenant || ' ' || timezone FROM tern.contacts WHERE email = 'good1@example.com'")" "nl Europe/Amsterdam" "tenant and time zone are stored"
is "$(pg_sql "SELECT count(*) FROM tern.tenants WHERE id IN ('nl', 'de')")" 2 "new tenants are created"

# --- duplicates: later row wins, reported, also across batches ---
{
    printf 'email,rank\n'
    printf 'dup@example.com,first\n'      # line 2
    printf 'other@example.com,x\n'        # line 3
    printf 'DUP@example.com,second\n'     # line 4
    printf 'x1@example.com,x\n'           # line 5
    printf 'x2@example.com,x\n'           # line 6
    printf 'dup@example.com,third\n'      # line 7
} >"$dir/d.csv"
run_tern contacts import --batch 2 "$dir/d.csv"
is "$status" 0 "duplicates are not rejections"
like "$err" "d.csv:4: dup@example.com \\(tenant default\\) also appears on line 2" "a duplicate names the earlier line"
like "$err" "d.csv:7: dup@example.com \\(tenant default\\) also appears on line 4" "every repeat is reported"
is "$(attr dup@example.com rank)" third "the last row for an address wins"
like "$out" "2 repeated an earlier address" "the summary counts repeats"
is "$(pg_sql "SELECT count(*) FROM tern.contacts WHERE email = 'dup@example.com'")" 1 "a repeated address is one contact"

# Addresses that differ only in a non-ASCII capital are one address to lower(email).
printf 'email,rank\n\303\204rger@example.de,first\n\303\244rger@example.de,second\n' >"$dir/fold.csv"
run_tern contacts import "$dir/fold.csv"
is "$status" 0 "addresses differing in a non-ASCII capital import"
like "$err" "fold.csv:3: .* also appears on line 2" "as a repeat of the earlier line"
upper_a=$(printf '\303\204rger@example.de') lower_a=$(printf '\303\244rger@example.de')
is "$(pg_sql "SELECT count(*) || ' ' || min(attributes->>'rank') FROM tern.contacts
               WHERE email IN ('$upper_a', '$lower_a')")" "1 second" "one contact, the later row winning"

# --- repeats spread over many small batches, written two at a time ---
awk 'BEGIN { print "email,v:int"; for (i = 1; i <= 3000; i++) printf "rep%d@example.com,%d\n", (i * 7919) % 300, i }' >"$dir/rep.csv"
want=$(awk -F, 'NR > 1 { last[$1] = $2 } END { for (k in last) s += last[k]; print s }' "$dir/rep.csv")
run_tern contacts import --batch 50 "$dir/rep.csv"
like "$out" "3000 rows: 300 new, 2700 updated" "every repeat across small batches is applied"
is "$(pg_sql "SELECT sum((attributes->>'v')::int) FROM tern.contacts WHERE email LIKE 'rep%'")" "$want" "repeats across batches written at once apply in file order"

# --- a batch mixing new and known addresses is upserted ---
{
    printf 'email,city\n'
    printf 'new1@example.com,Delft\n'     # line 2: batch 1, all new
    printf 'new2@example.com,Delft\n'     # line 3
    printf 'bob@example.com,Leiden\n'     # line 4: batch 2, known
    printf 'new3@example.com,Delft\n'     # line 5
} >"$dir/mix.csv"
run_tern contacts import --batch 2 "$dir/mix.csv"
like "$out" "4 rows: 3 new, 1 updated" "a batch with a known address after an all-new batch is upserted"
is "$(attr bob@example.com city)" Leiden "the known address of a mixed batch is updated"
is "$(attr bob@example.com first_name)" Bob "the known address of a mixed batch keeps its other attributes"
is "$(pg_sql "SELECT status FROM tern.contacts WHERE email = 'bob@example.com'")" unsubscribed "a mixed batch does not re-subscribe"

# --- many tenants in one file ---
{
    printf 'email,tenant\n'
    for i in $(seq 1 70); do printf 'm%d@example.com,t%d\n' "$i" "$i"; done
} >"$dir/tenants.csv"
run_tern contacts import "$dir/tenants.csv"
like "$out" "70 rows: 70 new" "a file with 70 tenants imports every row"
is "$(pg_sql "SELECT count(*) FROM tern.tenants WHERE id LIKE 't%'")" 70 "every tenant of a many-tenant file is created"

# --- a batch the database refuses stops the import and says what was kept ---
pg_sql "CREATE FUNCTION tern.refuse_boom() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN IF NEW.email = 'boom@example.com' THEN RAISE EXCEPTION 'refused by test'; END IF; RETURN NEW; END \$\$;
CREATE TRIGGER refuse_boom BEFORE INSERT ON tern.contacts FOR EACH ROW EXECUTE FUNCTION tern.refuse_boom()"
{
    printf 'email\n'
    for i in 1 2 3 4; do printf 'k%d@example.com\n' "$i"; done   # lines 2-5
    printf 'boom@example.com\nk5@example.com\n'                 # lines 6-7
    for i in 6 7 8 9; do printf 'k%d@example.com\n' "$i"; done   # lines 8-11
} >"$dir/boom.csv"
run_tern contacts import --batch 2 "$dir/boom.csv"
is "$status" 1 "a batch the database refuses fails the import"
like "$err" "refused by test.*; rows up to line 5 are imported" "the failure says which lines are imported"
is "$(pg_sql "SELECT count(*) FROM tern.contacts WHERE email IN ('k1@example.com', 'k2@example.com', 'k3@example.com', 'k4@example.com')")" 4 "batches before a refused one are kept"
is "$(pg_sql "SELECT count(*) FROM tern.contacts WHERE email IN ('boom@example.com', 'k5@example.com')")" 0 "a refused batch is rolled back whole"
pg_sql "DROP TRIGGER refuse_boom ON tern.contacts"

# --- structural problems ---
printf 'name,city\nAnn,Delft\n' >"$dir/noemail.csv"
run_tern contacts import "$dir/noemail.csv"
is "$status" 1 "a file without an email column fails"
like "$err" 'no "email" column' "missing email column explained"

printf 'Email,name,EMAIL\nann@example.com,Ann,bob@example.com\n' >"$dir/twoemails.csv"
run_tern contacts import "$dir/twoemails.csv"
is "$status" 1 "a file with two email columns, in any case, fails"
like "$err" 'column 3 "EMAIL" repeats column 1' "naming both columns"

: >"$dir/empty.csv"
run_tern contacts import "$dir/empty.csv"
is "$status" 1 "an empty file fails"
like "$err" "the file is empty" "empty file explained"

printf 'email,note\nq1@example.com,ok\nq2@example.com,"never closed\nq3@example.com,lost\n' >"$dir/quote.csv"
run_tern contacts import "$dir/quote.csv"
is "$status" 3 "an unbalanced quote is a rejected row"
like "$err" "quote.csv:3: quoted field opened on line 3 is never closed" "unbalanced quote reported with its line"
is "$(pg_sql "SELECT count(*) FROM tern.contacts WHERE email = 'q1@example.com'")" 1 "rows before an unbalanced quote are kept"

{
    printf 'email,blob\n'
    printf 'big1@example.com,small\n'
    printf 'big2@example.com,'
    head -c 10485760 /dev/zero | tr '\0' 'x'
    printf '\nbig3@example.com,small\n'
} >"$dir/big.csv"
run_tern contacts import "$dir/big.csv"
is "$status" 3 "a 10 MB field is a rejected row"
like "$err" "big.csv:3: field 2 is 10485760 bytes, over the 1048576-byte limit" "the oversized field is reported"
is "$(pg_sql "SELECT count(*) FROM tern.contacts WHERE email IN ('big1@example.com', 'big3@example.com')")" 2 "rows around an oversized field are kept"

printf 'email,plan\nsid@example.com,gold\nnot-an-address,x\n' >"$dir/pipe.csv"
run_tern contacts import - <"$dir/pipe.csv"
is "$status" 3 "- imports standard input, with its bad rows reported"
like "$err" "^-:3: " "a bad row of standard input is named -:LINE"
is "$(pg_sql "SELECT attributes->>'plan' FROM tern.contacts WHERE email = 'sid@example.com'")" gold \
    "and its good rows are kept"

run_tern contacts import "$dir/missing.csv"
is "$status" 1 "a missing file fails"
like "$err" "cannot open .*missing.csv: No such file or directory" "missing file explained"

done_testing
