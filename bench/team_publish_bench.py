#!/usr/bin/env python3
"""Team publish benchmark (ARCHITECTURE.md "Team and webhooks"): the initial publish of a store with
100k contacts to a real PostgreSQL, and the steady-state delay from a stage change to the team
view. Prints figures; asserts nothing (targets: initial publish under 30 s; a stage change visible
within 2 s).

  bench/team_publish_bench.py [--build DIR] [--messages N] [--contacts N] [--runs N] [--moves N]

Fills a store with bench/lifecycle_bench (synthetic conversations through Store::commit_batch, as a
bulk sync stores them), starts its own PostgreSQL (tests/integration/pg_harness.py), then:
  1. `prospectd publish` into an empty team database, --runs times (each on a fresh database),
     and prints each time and the median;
  2. `prospectd run`, then --moves manual stage moves (`prospectd stage`, another process, as a
     rep's CLI beside the daemon), each timed until the team tables show it (polled with psql).
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
os.environ.setdefault("PROSPECTD_BIN", os.path.join(ROOT, "build", "prospectd"))

import harness  # noqa: E402  (after the path)
from pg_harness import Postgres  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--messages", type=int, default=300000)
    parser.add_argument("--contacts", type=int, default=100000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--moves", type=int, default=20)
    args = parser.parse_args()
    binary = os.path.join(args.build, "prospectd")
    filler = os.path.join(args.build, "bench", "lifecycle_bench")
    for path in (binary, filler):
        if not os.access(path, os.X_OK):
            sys.exit("team_publish_bench: %s is missing (build first, or pass --build)" % path)

    work = tempfile.mkdtemp(prefix="prospectd-team-bench-")
    os.chmod(work, 0o711)
    postgres = Postgres()
    try:
        data_dir = os.path.join(work, "data")
        os.makedirs(data_dir, mode=0o700)
        store = os.path.join(data_dir, "prospectd.sqlite")
        started = time.monotonic()
        fill = subprocess.run([filler, str(args.messages), str(args.contacts), store, "fill-only"],
                              capture_output=True, text=True, check=True)
        print("store: %s(%.0f s)" % (fill.stdout.strip() + " ", time.monotonic() - started))
        postgres.start()
        password_file = os.path.join(work, "pg-password")
        with open(password_file, "w", encoding="utf-8") as f:
            f.write(postgres.password)
        os.chmod(password_file, 0o600)
        port = harness.free_port()
        config = os.path.join(work, "config.toml")
        with open(config, "w", encoding="utf-8") as f:
            f.write('data_dir = "%s"\n[http]\nlisten = "127.0.0.1:%d"\n[identity]\naddresses = ["rep@acme-sales.com"]\n'
                    'internal_domains = ["acme-sales.com"]\n[team]\ndatabase = "%s"\npassword_file = "%s"\n'
                    'rep = "bench"\n' % (data_dir, port, postgres.uri(), password_file))

        def run(*command, check=True):
            return subprocess.run([binary, "--config", config, *command], capture_output=True, text=True,
                                  check=check)

        contacts = None
        times = []
        for attempt in range(args.runs):
            postgres.query("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;"
                           " GRANT ALL ON SCHEMA public TO prospectd;")
            # A fresh target: unregister (no [team] for a moment) so the next publish marks every contact.
            subprocess.run(["sqlite3", store, "DELETE FROM publish_targets; DELETE FROM team_dirty;"], check=True)
            started = time.monotonic()
            run("publish", "--timeout", "600")
            times.append(time.monotonic() - started)
            contacts = int(postgres.query("SELECT count(*) FROM team_contacts")[0][0])
            events = int(postgres.query("SELECT count(*) FROM team_stage_events")[0][0])
            print("initial publish %d: %d contacts, %d stage events in %.2f s (%.0f contacts/s)"
                  % (attempt + 1, contacts, events, times[-1], contacts / times[-1]))
        print("initial publish: median %.2f s over %d runs (target < 30 s)" % (statistics.median(times), len(times)))

        log = open(os.path.join(work, "daemon.log"), "wb")
        daemon = subprocess.Popen([binary, "--config", config, "run"], stdout=log, stderr=log)
        try:
            time.sleep(2)
            leads = [row[0] for row in postgres.query(
                "SELECT email FROM team_contacts WHERE stage = 'lead' ORDER BY email LIMIT %d" % args.moves)]
            delays = []
            for email in leads:
                started = time.monotonic()
                run("stage", email, "customer", "--note", "bench")
                while postgres.query("SELECT stage FROM team_contacts WHERE email = '%s'" % email)[0][0] != "customer":
                    if time.monotonic() - started > 30:
                        raise SystemExit("team_publish_bench: a stage change did not arrive within 30 s")
                    time.sleep(0.02)
                delays.append(time.monotonic() - started)
            delays.sort()
            print("stage change -> team tables: median %.2f s, max %.2f s over %d moves (target < 2 s;"
                  " includes the CLI's own start and the 20 ms polling)"
                  % (statistics.median(delays), delays[-1], len(delays)))
        finally:
            daemon.terminate()
            daemon.wait(timeout=60)
            log.close()
    finally:
        postgres.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
