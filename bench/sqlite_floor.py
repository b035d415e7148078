#!/usr/bin/env python3
"""The SQLite storage floor of the benchmark: how many durable single-row commits per second this
disk allows, in the emulator's own schema and settings (WAL, synchronous=FULL, foreign keys), from
one writer, as the emulator writes through one connection. Each transaction inserts one
confirmation into `agreements`. Prints one parseable line:

  SQLITE requests=N seconds=S rps=R p50_ms=P p99_ms=Q

  sqlite_floor.py DATABASE_FILE SECONDS MIGRATIONS_DIR
"""

import sqlite3
import sys
import time
from pathlib import Path


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    path, seconds, migrations = sys.argv[1], float(sys.argv[2]), Path(sys.argv[3])
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("PRAGMA foreign_keys=ON")
    for migration in sorted(migrations.glob("*.sql")):
        db.executescript(migration.read_text())
    db.execute("INSERT INTO partners VALUES ('bench-partner', 'Bench', 'DirectBill', NULL, '2024-01-01T00:00:00+00:00')")
    for i in range(1, 101):
        db.execute(
            "INSERT INTO customers (seq, id, commerce_id, domain, company_name, billing_profile, created_by, "
            "admin_user_name, admin_password_hash, created_at) VALUES (?, ?, ?, ?, 'Bench', '{}', 'bench-partner', ?, 'x', "
            "'2024-01-01T00:00:00+00:00')",
            (i, f"w{i}", f"w{i}", f"w{i}.onmicrosoft.com", f"admin@w{i}"),
        )
    latencies = []
    started = time.perf_counter()
    n = 0
    while time.perf_counter() - started < seconds:
        n += 1
        t = time.perf_counter()
        db.execute("BEGIN")
        db.execute(
            "INSERT INTO agreements (seq, id, customer_id, partner_tenant_id, user_id, first_name, last_name, email, "
            "template_id, agreement_type, date_agreed, source, duplicate_key, created_at) VALUES (?, ?, ?, "
            "'bench-partner', 'bench-user', 'Bench', 'User', 'user@bench.example', "
            "'117a77b0-9360-443b-8795-c6dedc750cf9', 'MicrosoftCustomerAgreement', '2024-01-01T00:00:00+00:00', "
            "'PartnerConfirmation', ?, '2024-01-01T00:00:00+00:00')",
            (n, f"a{n}", f"w{n % 100 + 1}", f"k{n}"),
        )
        db.execute("COMMIT")
        latencies.append((time.perf_counter() - t) * 1000)
    elapsed = time.perf_counter() - started
    latencies.sort()
    p50 = latencies[len(latencies) // 2]
    p99 = latencies[min(len(latencies) - 1, round(len(latencies) * 0.99))]
    print(f"SQLITE requests={n} seconds={elapsed:.3f} rps={n / elapsed:.1f} p50_ms={p50:.3f} p99_ms={p99:.3f}")


if __name__ == "__main__":
    main()
