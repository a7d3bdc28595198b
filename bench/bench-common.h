/* bench-common.h — what every Ouro benchmark shares: a nanosecond clock,
 * min/median statistics, a seeded random generator, size lists, a
 * description of the machine, and running a baseline script under CPython.
 *
 * Not thread safe: benchmarks are single-threaded programs.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Errors of the benchmarks themselves (a result that contradicts what the
 * graph was built to contain). */
#define BENCH_ERROR (bench_error_quark ())
enum {
  BENCH_ERROR_FAILED,
};
GQuark   bench_error_quark       (void);

/* ---- time and statistics ---------------------------------------------- */

/* Monotonic time in nanoseconds. */
gint64   bench_now_ns            (void);

typedef struct {
  double min;
  double median;   /* of an even count: the mean of the middle two */
  guint  n;
} BenchStats;

/* After it: @out holds the min and median of @samples (which it leaves
 * unchanged); all zero when @n_samples is 0. */
void     bench_stats_compute     (const double *samples,
                                  guint         n_samples,
                                  BenchStats   *out);

/* How many timed runs a graph of @n objects gets by default: 7 up to 100k,
 * 5 up to 1M, 3 above. */
guint    bench_default_repeats   (guint64 n);

/* ---- random numbers --------------------------------------------------- */

/* xorshift64*: small, fast, and the same sequence on every platform. */
typedef struct {
  guint64 state;
} BenchRand;

void     bench_rand_init         (BenchRand *rand,
                                  guint64    seed);
guint64  bench_rand_next         (BenchRand *rand);
/* Uniform in [0, @bound), @bound > 0 (Lemire's multiply-shift; the bias is
 * below 2^-32 for the bounds a benchmark uses). */
guint32  bench_rand_below        (BenchRand *rand,
                                  guint32    bound);

/* ---- options ---------------------------------------------------------- */

/* Parses a comma-separated list of sizes such as "10000,1M,4m,100k" into
 * @sizes (an array of guint64), replacing what it held.  Returns FALSE and
 * sets @error on an empty list, a zero or a malformed size. */
gboolean bench_parse_sizes       (const char  *text,
                                  GArray      *sizes,
                                  GError     **error);

/* "10k", "1M", "4M", or the plain number when it is not round. */
char    *bench_format_size       (guint64 n);

/* ---- the machine ------------------------------------------------------ */

/* The "model name" of the first CPU in /proc/cpuinfo with its family and
 * model numbers, or "unknown". */
char    *bench_cpu_model         (void);

/* Prints one block naming the machine (CPUs, CPU model, kernel, GLib) and
 * the build type; warns on stderr when the build is not optimised. */
void     bench_print_machine     (const char *benchmark_name);

/* ---- baselines -------------------------------------------------------- */

/* The directory holding the benchmark sources (bench/), where baseline
 * scripts live. */
const char *bench_source_dir     (void);

/* The Python interpreter for baselines: @override when non-NULL, else
 * $PYTHON, else /usr/bin/python3.  Returns NULL (and sets @error) when it
 * is not an executable file. */
char    *bench_find_python       (const char  *override,
                                  GError     **error);

/* Runs `@python -I @script @args…`, its stderr going to ours.  Returns its
 * stdout, or NULL with @error set when it could not run or failed. */
char    *bench_run_python        (const char         *python,
                                  const char         *script,
                                  const char * const *args,
                                  GError            **error);

G_END_DECLS
