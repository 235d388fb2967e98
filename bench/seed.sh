# Shared by the benchmark scripts (sourced): gives every active person of a Tavle database a
# fresh session, as if they had just logged in, and the password "bench".
#   seed_sessions sqlite DB_FILE OUT_DIR | seed_sessions postgres URL OUT_DIR
# Writes OUT_DIR/tokens.txt (the cookie tokens) and OUT_DIR/users.txt (the usernames, line by
# line with the tokens). Needs sqlite3 or psql, argon2 and python3.
seed_sessions() {
    local backend=$1 db=$2 out=$3 ms hash
    local here_seed
    here_seed=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
    ms=$(($(date +%s%N) / 1000000))
    hash=$(echo -n bench | argon2 tavlebenchsalt16 -id -t 2 -k 19456 -p 1 -e)
    local people="SELECT l.person_id, l.tenant_id, l.username FROM login l JOIN person p ON p.id = l.person_id WHERE p.status = 'active'"
    if [ "$backend" = sqlite ]; then
        sqlite3 -csv "$db" "$people" | python3 "$here_seed/seed_sessions.py" "$out" "$ms"
        sqlite3 "$db" "DELETE FROM session; UPDATE login SET password_hash = '$hash';"
        # Through a table of the CSV's eight columns: the session table has more (defaults).
        sqlite3 "$db" "CREATE TEMP TABLE session_seed (token_hash, tenant_id, person_id, csrf_token, created_at, last_seen_at, source, user_agent);" \
            ".import --csv $out/sessions.csv session_seed" \
            "INSERT INTO session (token_hash, tenant_id, person_id, csrf_token, created_at, last_seen_at, source, user_agent) SELECT * FROM session_seed;"
    else
        psql -qAt -F, "$db" -c "$people" | python3 "$here_seed/seed_sessions.py" "$out" "$ms"
        psql -q "$db" -c "DELETE FROM session" -c "UPDATE login SET password_hash = '$hash'" \
            -c "\\copy session (token_hash, tenant_id, person_id, csrf_token, created_at, last_seen_at, source, user_agent) FROM '$out/sessions.csv' CSV"
        # Reseeding leaves many dead rows; let autovacuum's work happen now, not while measuring.
        psql -q "$db" -c "VACUUM ANALYZE"
    fi
}
