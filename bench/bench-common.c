/* bench-common.c — helpers every Ouro benchmark shares; see bench-common.h.
 *
 * Not thread safe: benchmarks are single-threaded programs.
 */
#include "bench-common.h"
#include "bench-version.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#ifndef BENCH_SOURCE_DIR
# error "meson passes BENCH_SOURCE_DIR"
#endif
#ifndef BENCH_BUILDTYPE
# define BENCH_BUILDTYPE "unknown"
#endif

G_DEFINE_QUARK (bench-error-quark, bench_error)

/* ---- time and statistics ---------------------------------------------- */

gint64
bench_now_ns (void)
{
  struct timespec now;

  clock_gettime (CLOCK_MONOTONIC, &now);
  return (gint64) now.tv_sec * G_GINT64_CONSTANT (1000000000) + now.tv_nsec;
}

static int
bench_compare_doubles (const void *a,
                       const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

void
bench_stats_compute (const double *samples,
                     guint         n_samples,
                     BenchStats   *out)
{
  double *sorted;

  memset (out, 0, sizeof *out);
  if (n_samples == 0)
    return;

  sorted = g_memdup2 (samples, n_samples * sizeof (double));
  qsort (sorted, n_samples, sizeof (double), bench_compare_doubles);
  out->n = n_samples;
  out->min = sorted[0];
  if (n_samples % 2 == 1)
    out->median = sorted[n_samples / 2];
  else
    out->median = (sorted[n_samples / 2 - 1] + sorted[n_samples / 2]) / 2;
  g_free (sorted);
}

guint
bench_default_repeats (guint64 n)
{
  if (n <= 100000)
    return 7;
  if (n <= 1000000)
    return 5;
  return 3;
}

/* ---- random numbers --------------------------------------------------- */

void
bench_rand_init (BenchRand *rand,
                 guint64    seed)
{
  /* One splitmix64 step, so that small seeds give well-mixed states, and
   * never zero, the one state xorshift cannot leave. */
  guint64 z = seed + G_GUINT64_CONSTANT (0x9E3779B97F4A7C15);

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  z ^= z >> 31;
  rand->state = z != 0 ? z : 1;
}

guint64
bench_rand_next (BenchRand *rand)
{
  guint64 x = rand->state;

  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  rand->state = x;
  return x * G_GUINT64_CONSTANT (0x2545F4914F6CDD1D);
}

guint32
bench_rand_below (BenchRand *rand,
                  guint32    bound)
{
  g_assert (bound > 0);
  return (guint32) (((bench_rand_next (rand) >> 32) * (guint64) bound) >> 32);
}

/* ---- options ---------------------------------------------------------- */

gboolean
bench_parse_sizes (const char  *text,
                   GArray      *sizes,
                   GError     **error)
{
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);

  g_array_set_size (sizes, 0);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *part = g_strstrip (parts[i]);
      char *end = NULL;
      guint64 value, multiplier = 1;

      if (*part == '\0')
        continue;
      errno = 0;
      value = g_ascii_strtoull (part, &end, 10);
      if (end == part || errno != 0)
        goto malformed;
      if (g_ascii_tolower (*end) == 'k')
        {
          multiplier = 1000;
          end++;
        }
      else if (g_ascii_tolower (*end) == 'm')
        {
          multiplier = 1000000;
          end++;
        }
      if (*end != '\0' || value == 0 || value > G_MAXUINT32 / multiplier)
        goto malformed;
      value *= multiplier;
      g_array_append_val (sizes, value);
      continue;

    malformed:
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "'%s' is not a size (a positive count, optionally with k or M)", part);
      return FALSE;
    }

  if (sizes->len == 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "no sizes given");
      return FALSE;
    }
  return TRUE;
}

char *
bench_format_size (guint64 n)
{
  if (n >= 1000000 && n % 1000000 == 0)
    return g_strdup_printf ("%" G_GUINT64_FORMAT "M", n / 1000000);
  if (n >= 1000 && n % 1000 == 0)
    return g_strdup_printf ("%" G_GUINT64_FORMAT "k", n / 1000);
  return g_strdup_printf ("%" G_GUINT64_FORMAT, n);
}

/* ---- the machine ------------------------------------------------------ */

/* The value of the first "@key : value" line of /proc/cpuinfo, or NULL. */
static char *
bench_cpuinfo_field (GStrv       lines,
                     const char *key)
{
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *colon = strchr (lines[i], ':');
      g_autofree char *name = NULL;

      if (colon == NULL)
        continue;
      name = g_strstrip (g_strndup (lines[i], colon - lines[i]));
      if (strcmp (name, key) == 0)
        return g_strstrip (g_strdup (colon + 1));
    }
  return NULL;
}

char *
bench_cpu_model (void)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autofree char *model_name = NULL;
  g_autofree char *family = NULL;
  g_autofree char *model = NULL;

  if (!g_file_get_contents ("/proc/cpuinfo", &contents, NULL, NULL))
    return g_strdup ("unknown");

  lines = g_strsplit (contents, "\n", -1);
  model_name = bench_cpuinfo_field (lines, "model name");
  family = bench_cpuinfo_field (lines, "cpu family");
  model = bench_cpuinfo_field (lines, "model");
  if (model_name == NULL)
    return g_strdup ("unknown");
  if (family == NULL || model == NULL)
    return g_steal_pointer (&model_name);
  /* Virtual machines often give only a vendor name ("AMD EPYC"); family
   * and model say which generation it is. */
  return g_strdup_printf ("%s (family %s, model %s)", model_name, family, model);
}

void
bench_print_machine (const char *benchmark_name)
{
  g_autofree char *cpu = bench_cpu_model ();
  struct utsname name;
  long n_cpus = sysconf (_SC_NPROCESSORS_ONLN);

  if (uname (&name) != 0)
    {
      g_strlcpy (name.sysname, "unknown", sizeof name.sysname);
      name.release[0] = '\0';
      name.machine[0] = '\0';
    }

  g_print ("# %s\n", benchmark_name);
  g_print ("source: %s, build type %s\n", BENCH_VCS_TAG, BENCH_BUILDTYPE);
  g_print ("machine: %ld CPU(s), %s; %s %s %s; GLib %u.%u.%u\n\n",
           n_cpus, cpu, name.sysname, name.release, name.machine,
           glib_major_version, glib_minor_version, glib_micro_version);
  fflush (stdout);

  if (strcmp (BENCH_BUILDTYPE, "release") != 0)
    g_printerr ("warning: this is a '%s' build; numbers worth keeping come from "
                "meson setup --buildtype=release\n", BENCH_BUILDTYPE);
}

/* ---- baselines -------------------------------------------------------- */

const char *
bench_source_dir (void)
{
  return BENCH_SOURCE_DIR;
}

char *
bench_find_python (const char  *override,
                   GError     **error)
{
  const char *python = override;

  if (python == NULL)
    python = g_getenv ("PYTHON");
  if (python == NULL || *python == '\0')
    python = "/usr/bin/python3";

  if (!g_path_is_absolute (python))
    {
      char *found = g_find_program_in_path (python);

      if (found != NULL)
        return found;
    }
  else if (g_file_test (python, G_FILE_TEST_IS_EXECUTABLE)
           && !g_file_test (python, G_FILE_TEST_IS_DIR))
    return g_strdup (python);

  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
               "no Python interpreter at '%s'", python);
  return NULL;
}

char *
bench_run_python (const char         *python,
                  const char         *script,
                  const char * const *args,
                  GError            **error)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  char *output = NULL;
  int status;

  g_ptr_array_add (argv, (gpointer) python);
  g_ptr_array_add (argv, (gpointer) "-I");   /* no user site, no PYTHON* variables */
  g_ptr_array_add (argv, (gpointer) script);
  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  /* A NULL standard_error lets the child write to our stderr. */
  if (!g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT,
                     NULL, NULL, &output, NULL, &status, error))
    return NULL;
  if (!g_spawn_check_wait_status (status, error))
    {
      g_free (output);
      return NULL;
    }
  return output;
}
