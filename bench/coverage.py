#!/usr/bin/env python3
"""coverage.py — how much of a real program's references an Ouro report
explains, from a report saved with `ouro run --format json -o FILE`.

Usage: bench/coverage.py REPORT.json --program NAME [--program NAME ...]
                         [--lines-are-program] [--row LABEL]

A reference is *explained by an edge* when a tracked object visits it (a
signal handler's data, qdata, a widget's child, a list item ...); the other
references of a live object are held from outside (the report's roots), and
the reference ledger says where they were taken.  A site is the program's
own code when one of its frames is in a module given with --program (the
executable's name: a binary without debug information shows its frames as
"0x... (gtk4-demo+0x...)" or "function+0x... (gtk4-demo)"); with
--lines-are-program, a frame with a source line ("function (file.c:12)")
counts too, which is right when only the program has debug information.

What the JSON holds, and so what this can say exactly:

  - n_references, the references edges explain, is exact;
  - the total (the sum of every live object's refcount) is not in the JSON.
    It is n_references plus what the roots hold from outside, and a report
    lists only the first 1000 roots (in tracking order).  With every root
    listed the total is exact; otherwise it is a lower bound: each unlisted
    root holds at least one reference from outside.  Edge coverage is then
    an upper bound;
  - objects whose every reference an edge explains (alive minus roots) is
    exact;
  - program-code sites are known only for the listed roots: past 1000 roots
    the figure is over that sample, which is biased to the objects created
    first (GTK's own start-up).

--row LABEL prints one Markdown table row for bench/README.md instead.
Exits 1 when the report has garbage (it must have none: no false
positives on a program that does not leak) or inconsistent objects.
"""

import argparse
import json
import sys


def module_of(frame):
    """The module a frame names: "sym+0x1a (libgtk-4.so.1)" and
    "0x7f... (gtk4-demo+0xe07b)" end with it in parentheses; a frame with a
    source line, "function (file.c:12)", names a file instead."""
    if not frame.endswith(")") or "(" not in frame:
        return None
    inside = frame[frame.rfind("(") + 1:-1]
    if ":" in inside:
        return None
    return inside.split("+", 1)[0]


def is_program_frame(frame, modules, lines_are_program):
    module = module_of(frame)
    if module is not None:
        return module in modules
    return lines_are_program and frame.endswith(")") and ":" in frame[frame.rfind("("):]


def measure(report, modules, lines_are_program):
    roots = report.get("roots", [])
    outside_listed = 0      # references the listed roots hold from outside
    at_program_sites = 0    # of those, taken at a site in the program's code
    max_frames = 0
    for root in roots:
        outside = root["refcount"] - root["explained"]
        if outside <= 0:
            continue
        outside_listed += outside
        program = 0
        for site in root.get("references", {}).get("sites", []):
            max_frames = max(max_frames, len(site["frames"]))
            if any(is_program_frame(f, modules, lines_are_program) for f in site["frames"]):
                program += site["count"]
        # Sites may count more than the refcount (references released where
        # the ledger could not see them): never more than it holds.
        at_program_sites += min(program, outside)

    n_roots = report.get("n_roots", 0)
    unlisted = n_roots - len(roots)
    edges = report["n_references"]
    return {
        "tracked": report["n_tracked"],
        "alive": sum(t["count"] for t in report.get("alive_by_type", [])),
        "garbage": report["n_garbage"],
        "inconsistent": report["n_inconsistent"],
        "roots": n_roots,
        "roots_listed": len(roots),
        "edges": edges,
        "total": edges + outside_listed + unlisted,
        "total_exact": unlisted == 0,
        "outside_listed": outside_listed,
        "at_program_sites": at_program_sites,
        "max_frames": max_frames,
    }


def percent(part, whole):
    return "%.1f%%" % (100.0 * part / whole) if whole else "-"


def columns(m):
    """The figures, as bench/README.md's table shows them: a bound is
    marked (≥, ≤) where the report does not list every root."""
    exact = m["total_exact"]
    lower, upper = ("", "") if exact else ("≥ ", "≤ ")
    with_sites = m["edges"] + m["at_program_sites"]
    fully = m["alive"] - m["roots"]
    return {
        "tracked": "{:,}".format(m["tracked"]),
        "roots": "{:,}".format(m["roots"])
                 + ("" if exact else " ({:,} listed)".format(m["roots_listed"])),
        "fully": "{:,} ({})".format(fully, percent(fully, m["alive"])),
        "total": lower + "{:,}".format(m["total"]),
        "edges": "{:,} ({}{})".format(m["edges"], upper, percent(m["edges"], m["total"])),
        # Past the listed roots, sites are unknown: a lower bound, and no
        # share of the total can be given.
        "with_sites": "{:,} ({})".format(with_sites, percent(with_sites, m["total"])) if exact
                      else "≥ {:,}".format(with_sites),
        "sampled": "{:,} of {:,} ({})".format(m["at_program_sites"], m["outside_listed"],
                                              percent(m["at_program_sites"], m["outside_listed"])),
        "garbage": "{:,}".format(m["garbage"]),
    }


def print_text(m):
    c = columns(m)
    print("tracked objects                    %s" % c["tracked"])
    print("held from outside (roots)          %s" % c["roots"])
    print("objects fully explained by edges   %s" % c["fully"])
    print("references in total                %s%s" % (c["total"], "" if m["total_exact"] else
          "  (lower bound: roots past the first 1000 are not listed)"))
    print("explained by edges                 %s" % c["edges"])
    print("by edges or a program-code site    %s" % c["with_sites"])
    print("listed roots' references from outside at a program-code site: %s "
          "(sites keep up to %d frames)" % (c["sampled"], m["max_frames"]))
    print("proven garbage                     %s%s" % (c["garbage"],
                                                       "" if m["garbage"] == 0 else "  <== must be 0"))


ROW_KEYS = ("tracked", "roots", "fully", "total", "edges", "with_sites", "sampled", "garbage")


def print_row(label, m):
    c = columns(m)
    print("| %s | %s |" % (label, " | ".join(c[k] for k in ROW_KEYS)))


def main():
    parser = argparse.ArgumentParser(
        description="Edge coverage of an Ouro JSON report (see the module's docstring).")
    parser.add_argument("report", help="a report written by `ouro run --format json`")
    parser.add_argument("--program", action="append", required=True, metavar="NAME",
                        help="a module whose frames are the program's own code "
                             "(the executable's name); repeat for more")
    parser.add_argument("--lines-are-program", action="store_true",
                        help="also count frames with a source line as the program's")
    parser.add_argument("--row", metavar="LABEL",
                        help="print one Markdown table row for bench/README.md")
    args = parser.parse_args()

    with open(args.report, encoding="utf-8") as f:
        report = json.load(f)
    if report.get("format") != "ouro-report" or report.get("version") != 1:
        sys.exit("%s: not an Ouro report, version 1" % args.report)
    if not report.get("live_summary"):
        sys.exit("%s: no live summary (written with --no-summary?): nothing to measure"
                 % args.report)

    m = measure(report, set(args.program), args.lines_are_program)
    if args.row:
        print_row(args.row, m)
    else:
        print_text(m)
    return 1 if m["garbage"] or m["inconsistent"] else 0


if __name__ == "__main__":
    sys.exit(main())
