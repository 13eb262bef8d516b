#!/usr/bin/env python3
"""Scaling benchmark: `windrow local` with 1, 2 and 3 reducers (and as many mappers) on the
sparse Zipf workload of scripts/peer_bench.py (about 11,000 series over 24 h, 2 % late), beside
one VictoriaMetrics in the same run, fed the same line-protocol bodies by the same client.

Printed per configuration: ingest samples/s, CPU-s per 1 M samples in all and by role (front,
mappers, reducers, coordinator and supervisor), the capacity of one core of each role (1 M
samples over its CPU-s per 1 M), peak PSS, the load balance the coordinator measured
(imbalance, the hottest partition's share of the load, hot partitions) and exactness against
the reference (windows checked, wrong). The largest count runs twice: with splits off, and with
the hottest name split by series (`WINDROW_SPLIT_FACTOR` 0.3, hold 1 s: partitions above 30 % of
a reducer's fair share), where the busiest reducer's share of the load shows what splitting buys.
Not a test: it prints figures.

  scripts/scale_bench.py [--bin PATH] [--counts 1,2,3]
  PEER_BENCH_SAMPLES (5,000,000) sizes the workload."""
import argparse, os, shutil, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer_bench  # noqa: E402


def role_of(name):
    """`mapper-1` → mapper; the supervising `local` process and the coordinator are overhead."""
    base = name.split("-")[0]
    return base if base in ("front", "mapper", "reducer") else "control"


def by_role(figures, samples):
    seconds = {}
    for name, cpu, _ in figures["roles"]:
        seconds[role_of(name)] = seconds.get(role_of(name), 0) + cpu
    return {role: cpu / (samples / 1e6) for role, cpu in seconds.items()}


def hottest_share(cluster):
    """The busiest partition's share of the load the reducers reported (samples plus rows/s)."""
    load = {}
    for node in cluster["nodes"]:
        for entry in node.get("partitionLoad") or []:
            load[entry["partition"]] = load.get(entry["partition"], 0) + entry["samplesPerSecond"] + entry["rowsPerSecond"]
    return max(load.values()) / sum(load.values()) if load else 0


def busiest_reducer_share(cluster):
    """The busiest reducer's share of the load the reducers reported."""
    load = [sum(e["samplesPerSecond"] + e["rowsPerSecond"] for e in node.get("partitionLoad") or [])
            for node in cluster["nodes"] if node["role"] == "reducer"]
    return max(load) / sum(load) if load and sum(load) else 0


NOT_SPLIT = {"WINDROW_SPLIT_FACTOR": "0"}
SPLIT = {"WINDROW_SPLIT_FACTOR": "0.3", "WINDROW_SPLIT_HOLD_MS": "1000"}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=os.path.join(peer_bench.ROOT, ".build", "release", "windrow"))
    parser.add_argument("--counts", default="1,2,3")
    options = parser.parse_args()
    if not shutil.which("victoria-metrics"):
        sys.exit("scale_bench: victoria-metrics is not installed (apt-get install victoria-metrics)")
    started = time.monotonic()
    workload = peer_bench.Workload("sparse")
    print(f"(sparse: {workload.count:,} samples, {workload.series:,} series, generated in {time.monotonic() - started:.0f} s; "
          f"{os.cpu_count()} cores)", flush=True)
    victoria = peer_bench.run(peer_bench.Victoria(), workload)
    rows = []
    counts = [int(c) for c in options.counts.split(",")]
    runs = [(count, False) for count in counts] + ([(max(counts), True)] if max(counts) > 1 else [])
    for count, split in runs:
        system = peer_bench.Windrow(options.bin, ["--mappers", str(count), "--reducers", str(count)], env=SPLIT if split else NOT_SPLIT)
        figures = peer_bench.run(system, workload)
        label = f"{count}, hottest name split ({len(figures['cluster'].get('splits') or [])} partitions)" if split else str(count)
        rows.append((label, figures, by_role(figures, workload.count)))
    print(f"\n### scaling: sparse, {workload.count:,} samples, {workload.series:,} series, one machine of {os.cpu_count()} cores\n")
    print("CPU-s per 1 M samples: in all from the first body to queryable (as for VictoriaMetrics), and by role over each")
    print("process's whole run (start-up and the seals after the last body included).\n")
    print("| mappers = reducers | samples/s | / VM | CPU-s per 1 M | / VM | front | mappers | reducers | control | peak PSS (MiB) | / VM | imbalance | hottest partition's share | busiest reducer's share | hot partitions | windows checked / wrong |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for count, f, roles in rows:
        balance = f["cluster"].get("balance") or {}
        print(f"| {count} | {f['samples/s']:,.0f} | {f['samples/s'] / victoria['samples/s']:.2f}× | {f['cpu']:.2f} | {f['cpu'] / victoria['cpu']:.2f}× | "
              f"{roles.get('front', 0):.2f} | {roles.get('mapper', 0):.2f} | {roles.get('reducer', 0):.2f} | {roles.get('control', 0):.2f} | "
              f"{f['pss']:,.0f} | {f['pss'] / victoria['pss']:.2f}× | {balance.get('imbalance', 0):.2f} | {hottest_share(f['cluster']):.0%} | {busiest_reducer_share(f['cluster']):.0%} | {len(balance.get('hotPartitions', []))} | "
              f"{f.get('checked', 0):,} / {len(f.get('bad', []))} |")
    print(f"| VictoriaMetrics | {victoria['samples/s']:,.0f} | 1.00× | {victoria['cpu']:.2f} | 1.00× | | | | | {victoria['pss']:,.0f} | 1.00× | | | | | |")
    print("\nCapacity of one core, samples/s (1 M over the role's CPU-s per 1 M, whole run):\n")
    print("| mappers = reducers | front core | mapper core | reducer core |")
    print("|---|---:|---:|---:|")
    for count, _, roles in rows:
        cells = " | ".join(f"{1e6 / roles[r]:,.0f}" if roles.get(r) else "—" for r in ("front", "mapper", "reducer"))
        print(f"| {count} | {cells} |")


if __name__ == "__main__":
    main()
