#!/usr/bin/env bash
# The peer, django-helpdesk, measured on this machine by its own harness (run.sh beside the project:
# ../shared/bench-peers), from a private copy — see bench/README.md, "the peer".
#
#   bench/peer.sh                              # SQLite + PostgreSQL, 100,000 tickets, 2 repetitions
#   BENCH_DBS=sqlite bench/peer.sh             # any of run.sh's variables pass through: BENCH_N, BENCH_DBS,
#   BENCH_N=2000 BENCH_DUR_SCALE=0.2 \         #   BENCH_REPS, BENCH_ONLY, BENCH_RESEED, BENCH_DUR_SCALE,
#     PEER_OUT=/some/where.jsonl bench/peer.sh #   BENCH_PORT, PEERHD_PG_PORT
#
# run.sh writes beside itself (.venv, .pgdata, results/, work/) and the shared folder is read-only, so its
# files (code only, none of its state) are copied into $PEER_HOME (default var/bench-peer/, git-ignored) and it
# runs there: its own virtualenv from its pinned requirements, Debian's wrk, a private PostgreSQL cluster on
# 127.0.0.1:$PEERHD_PG_PORT (default 54329). Nothing of the peer is part of this project.
#
# The run's lines go to $PEER_OUT (default bench/peer/helpdesk-<run id>.jsonl); then
#   .venv/bin/python bench/summarize.py --peer bench/peer/helpdesk-<run id>.jsonl
# prints ours ÷ peer for intake, list and search against our latest run at the peer's size.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

src=${PEER_DIR:-$ROOT/../shared/bench-peers}
[ -x "$src/run.sh" ] || { echo "no peer harness at $src (set PEER_DIR)" >&2; exit 2; }
home=${PEER_HOME:-$ROOT/var/bench-peer}
mkdir -p "$home"
# The code, again on every run (a newer harness replaces an older one); its state stays where it is.
(cd "$src" && tar --exclude=./.venv --exclude=./.pgdata --exclude=./work --exclude=./results \
  --exclude='*.sqlite3*' --exclude=__pycache__ -cf - .) | (cd "$home" && tar -xf -)
chmod -R u+w "$home"
mkdir -p "$home/results"

export BENCH_RUN_ID=${BENCH_RUN_ID:-$(date -u +%Y%m%dT%H%M%SZ)}
out=${PEER_OUT:-$ROOT/bench/peer/helpdesk-$BENCH_RUN_ID.jsonl}
mkdir -p "$(dirname "$out")"
export BENCH_RESULTS_FILE=$out
echo "peer run $BENCH_RUN_ID in $home → $out" >&2
"$home/run.sh"
echo "ours ÷ peer: .venv/bin/python bench/summarize.py --peer $out" >&2
