#!/usr/bin/env bash
# Runs a command beside a throwaway PostgreSQL cluster.
#
#   scripts/with-postgres.sh CMD [ARGS...]
#
# Creates a cluster in a fresh temporary directory, listening only on a Unix
# socket in that directory (no TCP), with fsync off. Creates the database
# `firstline_test` and runs CMD with
#
#   FIRSTLINE_TEST_POSTGRES="host=<tmpdir> port=<port> dbname=firstline_test user=postgres"
#
# The user `postgres` is a superuser and local connections are trusted, so
# tests may create and drop databases of their own. When CMD ends, however it
# ends, the cluster is stopped by the pid in its postmaster.pid and the
# directory is removed. Exits with CMD's exit status.
#
# As root (initdb refuses to run as root) the cluster runs as the `postgres`
# system user; otherwise it runs as the current user.
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  echo "with-postgres: no PostgreSQL server found under /usr/lib/postgresql (run scripts/install-deps.sh)" >&2
  exit 2
fi

run_as_owner=()
if [ "$(id -u)" -eq 0 ]; then
  if ! id postgres >/dev/null 2>&1; then
    echo "with-postgres: running as root but there is no 'postgres' system user" >&2
    exit 2
  fi
  run_as_owner=(runuser -u postgres --)
fi

tmp_dir=$(mktemp -d "${TMPDIR:-/tmp}/firstline-pg.XXXXXX")
data_dir="$tmp_dir/data"
log_file="$tmp_dir/postgres.log"
postmaster_pid=""

# Runs a PostgreSQL tool as the cluster's owner, from inside the temporary
# directory (the owner may not be allowed into the caller's directory).
as_owner() {
  (cd "$tmp_dir" && "${run_as_owner[@]}" "$@")
}

stop_cluster() {
  local status=$?
  trap - EXIT INT TERM HUP
  set +e
  if [ -z "$postmaster_pid" ] && [ -f "$data_dir/postmaster.pid" ]; then
    postmaster_pid=$(head -n 1 "$data_dir/postmaster.pid")
  fi
  if [ -n "$postmaster_pid" ] && kill -0 "$postmaster_pid" 2>/dev/null; then
    # SIGQUIT is PostgreSQL's immediate shutdown: no checkpoint, children exit.
    kill -QUIT "$postmaster_pid" 2>/dev/null
    for _ in $(seq 1 100); do
      kill -0 "$postmaster_pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$postmaster_pid" 2>/dev/null; then
      echo "with-postgres: postmaster $postmaster_pid did not stop; killing it" >&2
      kill -KILL "$postmaster_pid" 2>/dev/null
      sleep 0.2
    fi
  fi
  rm -rf "$tmp_dir"
  exit "$status"
}
trap stop_cluster EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# The socket directory must be reachable by whoever runs CMD, and the cluster
# owner must be able to create the data directory and socket in it.
chmod 0755 "$tmp_dir"
if [ ${#run_as_owner[@]} -gt 0 ]; then
  chown postgres:postgres "$tmp_dir"
fi

if ! as_owner "$pg_bin/initdb" -D "$data_dir" -U postgres -A trust -E UTF8 --locale=C \
    --no-sync >"$tmp_dir/initdb.log" 2>&1; then
  echo "with-postgres: initdb failed:" >&2
  cat "$tmp_dir/initdb.log" >&2
  exit 2
fi

# No TCP listener, so any port number is free as long as no socket of that
# number exists in our private directory; pick one at random anyway so that
# connection strings from different runs never look alike.
port=$((20000 + RANDOM % 40000))
cat >>"$data_dir/postgresql.conf" <<EOF

# firstline throwaway test cluster
listen_addresses = ''
unix_socket_directories = '$tmp_dir'
unix_socket_permissions = 0777
port = $port
max_connections = 100
shared_buffers = 32MB
fsync = off
synchronous_commit = off
full_page_writes = off
EOF

if ! as_owner "$pg_bin/pg_ctl" -D "$data_dir" -l "$log_file" -w -t 60 start >/dev/null; then
  echo "with-postgres: PostgreSQL did not start; its log:" >&2
  cat "$log_file" >&2 || true
  exit 2
fi
postmaster_pid=$(head -n 1 "$data_dir/postmaster.pid")

for _ in $(seq 1 100); do
  if "$pg_bin/pg_isready" -q -h "$tmp_dir" -p "$port" -U postgres; then break; fi
  sleep 0.1
done
if ! "$pg_bin/pg_isready" -q -h "$tmp_dir" -p "$port" -U postgres; then
  echo "with-postgres: PostgreSQL is not accepting connections; its log:" >&2
  cat "$log_file" >&2 || true
  exit 2
fi

"$pg_bin/createdb" -h "$tmp_dir" -p "$port" -U postgres firstline_test

export FIRSTLINE_TEST_POSTGRES="host=$tmp_dir port=$port dbname=firstline_test user=postgres"

# Not exec: the EXIT trap must run to stop the cluster.
set +e
"$@"
status=$?
set -e
exit "$status"
