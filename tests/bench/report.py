#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""tests/bench/report.py RESULTS DOCS: the benchmark report.

RESULTS is the directory tests/bench/guest filled ($ZCIO_OUT/bench);
DOCS (docs/bench) receives README.md, bench.png and results.csv.

Per (workload, engine): the median and the range (min-max) of IOPS (4K
workloads) or MiB/s (1M workloads) over the rounds, CPU time per I/O
((usr_cpu + sys_cpu) x job_runtime / total_ios from fio's JSON), and for
zcio rows the ratio to the best of fio's own engines in the same workload:
median of the per-round ratios (engines alternate within a round, so a
round's numbers share the guest's state), with their range.
"""

import csv
import json
import os
import statistics
import sys

FIO_ENGINES_DOC = {
    "psync": "pread()/pwrite(), O_DIRECT",
    "pvsync2": "preadv2()/pwritev2(), O_DIRECT",
    "libaio": "io_submit()/io_getevents(), O_DIRECT",
    "io_uring": "io_uring, O_DIRECT",
    "io_uring-fixed": "io_uring, fixedbufs=1 registerfiles=1",
    "io_uring-hipri": "io_uring, hipri=1 (polled completion)",
    "zcio-sync": "zcio engine, zcio_mode=sync",
    "zcio-reg": "zcio engine, sync, zcio_registered=1",
    "zcio-async": "zcio engine, zcio_mode=async",
    "zcio-async-reg": "zcio engine, async, zcio_registered=1",
    "zcio-hipri": "zcio engine, sync, zcio_hipri=1",
}

# (workload, zcio engine, fio engine, factor, label)
TARGETS = [
    ("nullb0-rr-qd1", "zcio-sync", "psync", 1.00,
     "zcio sync, 4K randread QD1, null_blk irqmode=0"),
    ("poll-rr-qd1", "zcio-hipri", "io_uring-hipri", 1.10,
     "zcio sync hipri, 4K randread QD1, polled null_blk"),
    ("nullb0-rr-qd1", "zcio-reg", "psync", 1.10,
     "zcio registered, 4K randread QD1, null_blk irqmode=0"),
    ("nullb0-rr-qd32", "zcio-async-reg", "io_uring-fixed", 1.10,
     "zcio async+registered, 4K randread QD32 batch 16, null_blk irqmode=0"),
    ("brd-sr-1m", "zcio-sync", "psync", 1.00, "zcio sync, 1M seq read, brd"),
    ("brd-sw-1m", "zcio-sync", "psync", 1.00, "zcio sync, 1M seq write, brd"),
]


def read_tsv(path, ncols):
    rows = []
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if line:
                    rows.append((line.split("\t") + [""] * ncols)[:ncols])
    return rows


def read_meta(path):
    meta = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("=")
            meta[k] = v
    return meta


def fio_run(path):
    """One fio JSON file -> dict(iops, mibs, cpu_us) or None."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        # fio may print warnings before the JSON object.
        job = json.loads(text[text.index("{"):])["jobs"][0]
    except (OSError, ValueError, KeyError, IndexError):
        return None
    if job.get("error"):
        return None
    ios = job["read"]["total_ios"] + job["write"]["total_ios"]
    if ios <= 0:
        return None
    runtime_ms = job.get("job_runtime") or max(job["read"]["runtime"],
                                               job["write"]["runtime"])
    cpu = (job["usr_cpu"] + job["sys_cpu"]) / 100.0
    return {
        "iops": job["read"]["iops"] + job["write"]["iops"],
        "mibs": (job["read"]["bw_bytes"] + job["write"]["bw_bytes"]) / 2**20,
        "cpu_us": cpu * runtime_ms * 1000.0 / ios,
    }


def is_zcio(engine):
    return engine.startswith("zcio-")


class Row:
    """One (workload, engine): its runs by round."""

    def __init__(self, engine):
        self.engine = engine
        self.runs = {}          # round -> fio_run dict
        self.skipped = None     # reason
        self.failed = []        # (round, message)

    def values(self, key):
        return [self.runs[r][key] for r in sorted(self.runs)]


def med(xs):
    return statistics.median(xs) if xs else None


def load(results):
    meta = read_meta(os.path.join(results, "meta.env"))
    workloads = []
    skipped = {(w, e): why for w, e, why in
               read_tsv(os.path.join(results, "skipped.tsv"), 3)}
    failed = read_tsv(os.path.join(results, "failed.tsv"), 4)
    for wid, title, metric, engines in read_tsv(
            os.path.join(results, "workloads.tsv"), 4):
        rows = []
        for e in engines.split():
            row = Row(e)
            row.skipped = skipped.get((wid, e))
            d = os.path.join(results, "fio", wid, e)
            if os.path.isdir(d):
                for name in os.listdir(d):
                    if name.startswith("r") and name.endswith(".json"):
                        run = fio_run(os.path.join(d, name))
                        if run:
                            row.runs[int(name[1:-5])] = run
            row.failed = [(int(r), m) for w, en, r, m in failed
                          if w == wid and en == e]
            rows.append(row)
        workloads.append({"id": wid, "title": title, "metric": metric,
                          "key": "iops" if metric == "iops" else "mibs",
                          "rows": rows})
    bare = []
    p = os.path.join(results, "bare.jsonl")
    if os.path.exists(p):
        with open(p, encoding="utf-8") as f:
            for line in f:
                try:
                    bare.append(json.loads(line))
                except ValueError:
                    pass
    return meta, workloads, bare


def analyse(workloads):
    """Add best fio engine and per-row ratios to every workload."""
    for w in workloads:
        key = w["key"]
        fio_rows = [r for r in w["rows"] if not is_zcio(r.engine) and r.runs]
        best = max(fio_rows, key=lambda r: med(r.values(key)), default=None)
        w["best"] = best
        for r in w["rows"]:
            r.ratio = ratio(r, best, key) if best else None


def ratio(row, ref, key):
    """(median, min, max) of row/ref over the rounds both have, or None."""
    common = sorted(set(row.runs) & set(ref.runs))
    per = [row.runs[i][key] / ref.runs[i][key] for i in common
           if ref.runs[i][key] > 0]
    if not per:
        return None
    return med(per), min(per), max(per)


def fmt_val(v, key):
    if v is None:
        return "-"
    if key == "iops":
        return f"{v / 1000:.1f}k" if v >= 1000 else f"{v:.0f}"
    return f"{v:.0f}"


def fmt_ratio(r):
    if r is None:
        return "-"
    return f"{r[0]:.2f}x ({r[1]:.2f}-{r[2]:.2f})"


def targets(workloads):
    byid = {w["id"]: w for w in workloads}
    out = []
    for wid, zeng, feng, factor, label in TARGETS:
        w = byid.get(wid)
        status, value = "not measured", None
        if w is None:
            status = "not measured (workload not run)"
        else:
            rows = {r.engine: r for r in w["rows"]}
            z, f = rows.get(zeng), rows.get(feng)
            if z is None or f is None:
                status = "not measured"
            elif z.skipped:
                status = f"not measured: {z.skipped}"
            elif not z.runs:
                status = "not measured: every run failed"
            elif not f.runs:
                status = f"not measured: {feng} failed"
            else:
                value = ratio(z, f, w["key"])
                if value is None:
                    status = "not measured"
                else:
                    status = "**met**" if value[0] >= factor else "**missed**"
                    if value[1] < factor <= value[2]:
                        status += " (rounds on both sides of the goal)"
        out.append((label, f"{factor:.2f}x {feng}", value, status))
    return out


def bare_summary(bare):
    """method -> (median IOPS, median cpu us/IO); ratios per round."""
    by = {}
    for b in bare:
        by.setdefault(b["method"], {})[b["round"]] = b
    summary = {}
    for m, runs in by.items():
        iops = [r["ios"] / (r["ns"] / 1e9) for r in runs.values()]
        cpu = [r["cpu_ns"] / 1000.0 / r["ios"] for r in runs.values()]
        summary[m] = (med(iops), min(iops), max(iops), med(cpu))
    ratios = {}
    for m in by:
        if m == "pread" or "pread" not in by:
            continue
        per = [by[m][r]["ios"] / by[m][r]["ns"] /
               (by["pread"][r]["ios"] / by["pread"][r]["ns"])
               for r in by[m] if r in by["pread"]]
        if per:
            ratios[m] = (med(per), min(per), max(per))
    return summary, ratios


def plot(workloads, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ws = [w for w in workloads if w["best"]]
    if not ws:
        return False
    ncol = 2
    nrow = (len(ws) + ncol - 1) // ncol
    fig, axes = plt.subplots(nrow, ncol, figsize=(12, 2.9 * nrow),
                             squeeze=False)
    for ax, w in zip(axes.flat, ws):
        key, best = w["key"], w["best"]
        bmed = med(best.values(key))
        names, vals, lo, hi, colors = [], [], [], [], []
        for r in w["rows"]:
            # The same numbers as the table: per-round ratios to the best.
            rat = (1.0, 1.0, 1.0) if r is best else r.ratio
            if not rat:
                continue
            names.append(r.engine)
            vals.append(rat[0])
            lo.append(rat[0] - rat[1])
            hi.append(rat[2] - rat[0])
            colors.append("tab:orange" if is_zcio(r.engine) else
                          ("tab:blue" if r is best else "tab:gray"))
        y = list(range(len(names)))
        ax.barh(y, vals, xerr=[lo, hi], color=colors, capsize=2)
        ax.set_yticks(y)
        ax.set_yticklabels(names, fontsize=8)
        ax.invert_yaxis()
        ax.axvline(1.0, color="black", linewidth=0.8)
        unit = "IOPS" if key == "iops" else "MiB/s"
        ax.set_title(f"{w['title']}\n(1.0 = {best.engine}, "
                     f"{fmt_val(bmed, key)} {unit})", fontsize=9)
        ax.tick_params(axis="x", labelsize=8)
        for yi, v in zip(y, vals):
            ax.text(v, yi, f" {v:.2f}", va="center", fontsize=7)
    for ax in list(axes.flat)[len(ws):]:
        ax.axis("off")
    fig.suptitle("zcio vs fio's engines: each round's ratio to the best fio "
                 "engine (blue), median and min-max; orange = zcio",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return True


def write_csv(workloads, path):
    with open(path, "w", newline="", encoding="utf-8") as f:
        wr = csv.writer(f)
        wr.writerow(["workload", "engine", "round", "iops", "mib_s",
                     "cpu_us_per_io"])
        for w in workloads:
            for r in w["rows"]:
                for rnd in sorted(r.runs):
                    x = r.runs[rnd]
                    wr.writerow([w["id"], r.engine, rnd, f"{x['iops']:.0f}",
                                 f"{x['mibs']:.1f}", f"{x['cpu_us']:.2f}"])


# Hand-written reading of the latest run: what the profiles show where a
# target is missed.  Kept beside the generator, included verbatim.
ANALYSIS = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "analysis.md")


def readme(meta, workloads, bare, have_plot, perf_files):
    L = []
    a = L.append
    a("# zcio benchmark: zcio vs fio's own engines")
    a("")
    a("<!-- Generated by `make bench` (tests/bench/report.py); edit the "
      "generator, not this file. -->")
    a("")
    a(f"Measured {meta.get('date', '?')} in one QEMU TCG guest boot "
      f"(no KVM): kernel {meta.get('kernel', '?')}, guest CPU "
      f"\"{meta.get('cpu', '?')}\" x {meta.get('ncpu', '?')}, "
      f"{meta.get('mem_mib', '?')} MiB; host "
      f"\"{meta.get('host_cpu', '?')}\" x {meta.get('host_ncpu', '?')}, "
      f"{meta.get('qemu', 'QEMU')}; {meta.get('fio', 'fio')}; zcio "
      f"{meta.get('zcio_version', '?')} at commit {meta.get('commit', '?')} "
      f"(features: {meta.get('zcio_features', '?')}; fio engine "
      f"{meta.get('engine', '?')}).  {meta.get('runs', '?')} rounds of "
      f"{meta.get('runtime', '?')} s (after {meta.get('ramp', '?')} s of "
      f"ramp) per engine and workload; the guest ran "
      f"{int(meta['elapsed_s']) // 60 if 'elapsed_s' in meta else '?'} "
      f"minutes.")
    a("")
    a("**Only ratios within this one run mean anything.**  TCG emulates "
      "every instruction, the host has 2 cores shared with other guests, "
      "and absolute numbers are one to two orders of magnitude below real "
      "hardware and move from run to run.  Engines alternate within every "
      "round, so drift hits them alike; ratios are computed round by round "
      "and their median is shown with the range.")
    a("")
    a("## Targets")
    a("")
    a("| target | goal | measured (median, range) | status |")
    a("|---|---|---|---|")
    for label, goal, value, status in targets(workloads):
        a(f"| {label} | >= {goal} | {fmt_ratio(value)} | {status} |")
    a("")
    if have_plot:
        a("![zcio vs fio engines](bench.png)")
        a("")
    if os.path.exists(ANALYSIS):
        with open(ANALYSIS) as f:
            a(f.read().rstrip("\n"))
        a("")
    a("## Results")
    a("")
    a("Per workload: median over the rounds and the range (min-max); CPU "
      "is user+system time of the fio job per I/O (fio's `usr_cpu` + "
      "`sys_cpu` x runtime / I/Os) in microseconds; the last column is the "
      "row against the best of fio's own engines in that workload (highest "
      "median; **bold**), as the median and range of the per-round ratios; "
      "noise can put another fio engine above 1.0.")
    for w in workloads:
        key = w["key"]
        unit = "IOPS" if key == "iops" else "MiB/s"
        best = w["best"]
        a("")
        a(f"### {w['title']} (`{w['id']}`)")
        a("")
        a(f"| engine | {unit} | range | CPU us/IO | vs best fio engine |")
        a("|---|---:|---:|---:|---:|")
        for r in w["rows"]:
            name = f"**{r.engine}**" if r is best else r.engine
            if r.skipped:
                a(f"| {name} | skipped (below) | | | |")
                continue
            if not r.runs:
                why = r.failed[-1][1] if r.failed else "no result"
                a(f"| {name} | failed: {why} | | | |")
                continue
            vs = r.values(key)
            cpu = med(r.values("cpu_us"))
            note = ""
            if r.failed:
                note = f" ({len(r.failed)} run(s) failed)"
            rat = "1.00x" if r is best else fmt_ratio(r.ratio)
            a(f"| {name} | {fmt_val(med(vs), key)}{note} | "
              f"{fmt_val(min(vs), key)}-{fmt_val(max(vs), key)} | "
              f"{cpu:.1f} | {rat} |")
    a("")
    a("## Without fio: a bare loop")
    a("")
    summary, ratios = bare_summary(bare)
    if not summary:
        a("Not measured (tests/bench/bin/bare produced nothing).")
    else:
        a("`tests/bench/bare`: the same 4 KiB random reads at QD1 on "
          "null_blk irqmode=0, as a plain C loop of `pread()` on an "
          "`O_DIRECT` fd, of `zcio_pread()` (one `ZCIO_IOC_IO` each) and, "
          "when the module registers buffers, of `ZCIO_IO_FIXED` I/O.  The "
          "methods alternate call by call (the same offset for each, the "
          "order rotating with every I/O) and each call is timed with the "
          "TSC, so the guest's drift hits them alike; IOPS here is I/Os "
          "per second spent inside that method's calls.")
        a("")
        a("| method | IOPS (median) | range | CPU us/IO | vs pread |")
        a("|---|---:|---:|---:|---:|")
        for m in ("pread", "zcio", "zcio-fixed"):
            if m not in summary:
                continue
            s = summary[m]
            rat = "1.00x" if m == "pread" else fmt_ratio(ratios.get(m))
            a(f"| {m} | {fmt_val(s[0], 'iops')} | {fmt_val(s[1], 'iops')}-"
              f"{fmt_val(s[2], 'iops')} | {s[3]:.1f} | {rat} |")
        byid = {w["id"]: w for w in workloads}
        w = byid.get("nullb0-rr-qd1")
        rows = {r.engine: r for r in w["rows"]} if w else {}
        notes = []
        if "pread" in summary and rows.get("psync") and rows["psync"].runs:
            f = med(rows["psync"].values("iops")) / summary["pread"][0]
            notes.append(f"fio's psync reaches {f:.2f}x the bare pread loop")
        if "zcio" in summary and rows.get("zcio-sync") and \
                rows["zcio-sync"].runs:
            f = med(rows["zcio-sync"].values("iops")) / summary["zcio"][0]
            notes.append(f"fio's zcio-sync reaches {f:.2f}x the bare "
                         "zcio loop")
        if notes:
            a("")
            a("Same workload through fio (medians): " + "; ".join(notes) +
              ".  The rest is fio's own per-I/O work, the same for every "
              "engine, which pulls all fio ratios towards 1 (the bare loop "
              "and the fio runs ran minutes apart, so this comparison is "
              "rougher than the ratios within a round).")
    skipped = [(w["id"], r.engine, r.skipped) for w in workloads
               for r in w["rows"] if r.skipped]
    if skipped:
        a("")
        a("## Not measured")
        a("")
        whys = {}
        for wid, e, why in skipped:
            whys.setdefault((e, why), []).append(wid)
        for (e, why), wids in sorted(whys.items()):
            a(f"- `{e}` ({', '.join(wids)}): {why}")
    a("")
    a(HOWTO)
    if perf_files:
        a("")
        a("Profiles from this run (`BENCH_PERF=1`): " +
          ", ".join(f"[{p}]({p})" for p in perf_files) + ".")
    return "\n".join(L) + "\n"


HOWTO = """\
## How to run it

```
make bench                       # deps, build, one guest boot, this report
BENCH_QUICK=1 make bench         # smoke test: 1 round of 1 s (report in /var/tmp)
BENCH_RUNS=5 BENCH_RUNTIME=5 make bench
BENCH_ONLY='nullb0-rr' make bench   # only matching workloads (report in /var/tmp)
BENCH_PERF=1 make bench          # also perf profiles of zcio and its peer in five workloads
```

`make bench` runs `make deps` and `make all`, builds `tests/bench/bin/bare`,
then `tests/bench/run`: one `tests/vm` guest runs `tests/bench/guest`
(load `blk/zcio.ko`, create the devices, run every workload and engine
`BENCH_RUNS` times with the engine order rotating every round, then the bare
loop), and `tests/bench/report.py` writes this file, `bench.png` and
`results.csv` (one line per run) into `docs/bench/` (`BENCH_DOCS=DIR`
elsewhere).  The defaults (3 rounds of 1 s ramp + 2 s) take about 20-30
minutes under TCG on a shared 2-core host: each fio start costs several
seconds there.  `BENCH_KEEP=1` keeps the
raw fio JSON and prints where; `ZCIO_VM_TIMEOUT` bounds the guest (5400 s).
`make check` never runs the benchmark.

| knob | default | meaning |
|---|---|---|
| `BENCH_RUNS` | 3 (quick: 1) | rounds per (workload, engine) |
| `BENCH_RUNTIME` | 2 (quick: 1) | seconds per fio run and per bare-loop method |
| `BENCH_RAMP` | 1 (quick: 0) | seconds each fio run runs before it counts (`ramp_time`) |
| `BENCH_QUICK` | 0 | 1: smoke test, report not written to docs/bench |
| `BENCH_ONLY` | all | regular expression on workload ids |
| `BENCH_PERF` | 0 | 1: `perf record` the fio job of zcio and of its peer in five workloads (psync and zcio-sync 4K QD1 on null_blk irqmode=0: `perf-psync.txt`, `perf-zcio-sync.txt`; io_uring-fixed and zcio-async-reg QD32: `perf-qd32-*.txt`; psync and zcio-sync 1M reads and writes on brd: `perf-brd-sr-*.txt`, `perf-brd-sw-*.txt`; io_uring-hipri and zcio-hipri on the polled null_blk: `perf-poll-*.txt`), each a top-30 and a top-15 of kernel symbols with ns per I/O |
| `BENCH_DOCS` | docs/bench | where the report goes |
| `BENCH_KEEP` | 0 | keep the guest's raw output |

## What runs

- **Devices**: null_blk through configfs, `blocksize=4096`, not
  memory-backed, `no_sched=1`: `nullb0` with `irqmode=0` (completion in the
  submitting context), `nullb1` with `irqmode=1` (softirq), `nullbp` with
  `irqmode=2 completion_nsec=20000 poll_queues=1` (a 20 us timer, or the
  poll queue for polled I/O); brd (`rd_size` 256 MiB), written once end to
  end so that reads find real pages.  The first two have `poll_queues=0`.
- **Jobs**: `tools/fio/jobs/bench-rand4k.fio` (null_blk) and
  `tools/fio/jobs/bench-seq1m.fio` (brd), one section per engine, with
  `direct=1`, `gtod_reduce=1`, `time_based`, `ramp_time`; QD32 runs submit and reap in
  batches of 16 (`iodepth_batch_submit=16 iodepth_batch_complete_min=16`)
  for every asynchronous engine.  Synchronous engines only run at QD1.
- **Engines**: fio's `psync`, `pvsync2`, `libaio`, `io_uring`,
  `io_uring` with `fixedbufs=1 registerfiles=1`, `io_uring` with `hipri=1`
  on the polled device; zcio through `ioengine=external:tools/fio/zcio-engine.so`
  with `zcio_mode=sync|async`, `zcio_registered=0|1`, `zcio_hipri=0|1`.
  A zcio row is skipped, with the reason, when the engine is not built or
  the module lacks the feature it needs (`zcio info` features `async`,
  `regbuf`, `polled`); it is picked up by the next `make bench` once both
  are there.

## How to read it

- The plot and the last column compare each engine with the best of fio's
  own engines **in the same workload and round**: 1.10x means 10% more
  IOPS (or MiB/s).  The targets compare with the named peer instead.
- Ranges are min-max over the rounds; when two ranges overlap widely, the
  difference is noise.  A target marked "rounds on both sides of the goal"
  was met in some rounds and missed in others: more or longer rounds
  (`BENCH_RUNS`, `BENCH_RUNTIME`) on a quieter host would settle it.
- CPU per I/O is the fio process's user+system time divided by its I/Os;
  under TCG it is dominated by emulation, so compare it between rows only.
- At QD1 on null_blk irqmode=0 every engine is CPU-bound on its own
  submission path; that is where per-I/O overhead (page pinning, fd
  lookup, the system call) shows most.  On brd with 1 MiB, the copy
  dominates and every engine should be close to 1.0.
- The bare loop removes fio: its ratio is the purest view of one zcio
  ioctl against one `pread()`; fio's own per-I/O work dilutes every fio
  ratio towards 1.
"""


def main():
    if len(sys.argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    results, docs = sys.argv[1], sys.argv[2]
    meta, workloads, bare = load(results)
    if not workloads:
        sys.stderr.write(f"report.py: no workloads in {results}\n")
        return 1
    analyse(workloads)
    os.makedirs(docs, exist_ok=True)
    write_csv(workloads, os.path.join(docs, "results.csv"))
    have_plot = plot(workloads, os.path.join(docs, "bench.png"))
    perf = sorted(p for p in os.listdir(results)
                  if p.startswith("perf-") and p.endswith(".txt"))
    with open(os.path.join(docs, "README.md"), "w", encoding="utf-8") as f:
        f.write(readme(meta, workloads, bare, have_plot, perf))
    for label, goal, value, status in targets(workloads):
        print(f"target: {label}: {fmt_ratio(value)} (>= {goal}): "
              f"{status.replace('**', '')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
