#!/usr/bin/python3
"""cpython_gc.py — the CPython baseline for bench-scan: times gc.collect()
on the graph bench-scan scans.

The shape is bench-scan's: N objects of a class with __slots__ = ('a', 'b',
'c'); a -> the next object in a ring, b and c -> objects drawn at random
with a fixed seed.  "live": a list holds every object, so gc.collect()
finds nothing; "garbage": the list is dropped before collecting, so all N
objects are unreachable and gc.collect() finds (and frees) them all.  The
cyclic collector is disabled while a graph is built, so no collection runs
before the timed one; the garbage graph is rebuilt before every timed run,
since collecting frees it.  The interpreter's own objects (some 8,000:
modules, functions, classes) are moved out of the collector's sight with
gc.freeze() first, so gc.collect() walks the graph only, as ouro_scan()
walks only the objects it tracks.

Usage: cpython_gc.py --sizes 10000,1M [--repeats R] [--variants live,garbage]
Output, one line per size and variant, on stdout:
    result VARIANT N COLLECTED MIN_MS MEDIAN_MS RUNS
preceded by one line "python VERSION (IMPLEMENTATION)"; progress on stderr.
"""

import argparse
import gc
import platform
import random
import statistics
import sys
import time

SEED = 0x5EED


class Node:
    __slots__ = ('a', 'b', 'c')


def build(n, rng):
    """Returns a list of n Nodes wired into the ring-plus-two-random shape."""
    nodes = [Node() for _ in range(n)]
    randrange = rng.randrange
    for i in range(n):
        node = nodes[i]
        node.a = nodes[i + 1 if i + 1 < n else 0]
        node.b = nodes[randrange(n)]
        node.c = nodes[randrange(n)]
    return nodes


def time_collect():
    """Runs one full collection; returns (milliseconds, objects found)."""
    start = time.perf_counter_ns()
    found = gc.collect()
    return (time.perf_counter_ns() - start) / 1e6, found


def measure_live(n, repeats, rng):
    nodes = build(n, rng)
    runs = []
    found = 0
    for _ in range(repeats):
        ms, found = time_collect()
        runs.append(ms)
    del nodes
    return runs, found


def make_garbage(n, rng):
    """Builds the graph and drops every outside reference to it."""
    build(n, rng)


def measure_garbage(n, repeats, rng):
    runs = []
    found = 0
    for _ in range(repeats):
        make_garbage(n, rng)
        ms, found = time_collect()
        runs.append(ms)
    return runs, found


def parse_size(text):
    text = text.strip().lower()
    multiplier = 1
    if text.endswith('k'):
        multiplier, text = 1000, text[:-1]
    elif text.endswith('m'):
        multiplier, text = 1000000, text[:-1]
    value = int(text) * multiplier
    if value <= 0:
        raise argparse.ArgumentTypeError('sizes must be positive')
    return value


def default_repeats(n):
    if n <= 100000:
        return 7
    if n <= 1000000:
        return 5
    return 3


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--sizes', default='10k,100k,1M,4M',
                        type=lambda s: [parse_size(p) for p in s.split(',') if p.strip()])
    parser.add_argument('--repeats', type=int, default=0,
                        help='timed runs per graph (default: 7 up to 100k, 5 up to 1M, 3 above)')
    parser.add_argument('--variants', default='live,garbage')
    args = parser.parse_args()

    variants = [v for v in args.variants.split(',') if v]
    for variant in variants:
        if variant not in ('live', 'garbage'):
            parser.error('unknown variant %r' % variant)

    print('python %s (%s)' % (platform.python_version(), platform.python_implementation()),
          flush=True)

    gc.collect()
    gc.disable()
    gc.freeze()
    for n in args.sizes:
        repeats = args.repeats or default_repeats(n)
        for variant in variants:
            rng = random.Random(SEED)
            print('cpython_gc: %s N=%d, %d runs' % (variant, n, repeats),
                  file=sys.stderr, flush=True)
            if variant == 'live':
                runs, found = measure_live(n, repeats, rng)
            else:
                runs, found = measure_garbage(n, repeats, rng)
            gc.collect()
            print('result %s %d %d %.6f %.6f %d'
                  % (variant, n, found, min(runs), statistics.median(runs), len(runs)),
                  flush=True)


if __name__ == '__main__':
    main()
