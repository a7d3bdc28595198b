/* ouro-preload.c — the module `ouro run` preloads into an unmodified
 * program: tracking from the first GObject, reports at exit and on SIGUSR1.
 *
 * MT safe.  What runs where:
 *  - the constructor runs before main, single-threaded: it reads
 *    OURO_OPTIONS, takes the module out of LD_PRELOAD (so child processes
 *    run untouched unless children=yes), starts tracking and the reference
 *    ledger, and starts the signal helper thread;
 *  - the SIGUSR1 handler only writes one byte to a pipe (async-signal-safe:
 *    no scan, no allocation, no lock in the handler);
 *  - the helper thread reads that pipe and asks the program's main loop
 *    (the default GMainContext) for the report, with a high-priority idle
 *    source, so the scan runs where GTK state is consistent.  When no main
 *    loop dispatches it within PRELOAD_MAIN_LOOP_WAIT_MS, the helper claims
 *    the request and scans on its own thread; the registry lock serialises
 *    it with tracking, and the glue re-checks what it reads, so that path is
 *    safe for the registry but reads GTK state that the main thread may be
 *    changing (documented in the README);
 *  - the exit report runs from an atexit handler registered at the start
 *    of main (the module wraps __libc_start_main), so it comes after the
 *    program's own atexit handlers and before any library destructor; a
 *    destructor is the fallback when main was never wrapped.
 *
 * error-exitcode=N: when the exit report finds garbage, the process exits
 * with N instead of its own status (valgrind's --error-exitcode).
 *
 * A child the program forks without exec writes no exit report (it would
 * repeat, or overwrite, the parent's); one that execs is a new program and
 * runs without the module, unless children=yes.
 */
#define _GNU_SOURCE
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ouro-gobject-private.h"
#include "ouro-gobject-ledger-private.h"
#include "ouro-options-private.h"

/* How long the helper waits for the main loop to run a signal report. */
#define PRELOAD_MAIN_LOOP_WAIT_MS 1000

#define PRELOAD_EXPORT __attribute__((visibility("default")))

static OuroOptions preload_options;
static gboolean    preload_active;
static int         preload_pipe[2] = { -1, -1 };
static gint        preload_exit_reported;
static gint        preload_n_signal_reports;
static pid_t       preload_pid;   /* the process the module was loaded into */

/* ---- writing a report -------------------------------------------------- */

static char *
preload_expand_output (const char *pattern,
                       guint       number)
{
  g_autofree char *pid = g_strdup_printf ("%d", (int) getpid ());
  GString *path = g_string_new (NULL);

  for (const char *p = pattern; *p != '\0'; p++)
    {
      if (p[0] == '%' && p[1] == 'p')
        {
          g_string_append (path, pid);
          p++;
        }
      else
        g_string_append_c (path, *p);
    }
  if (number > 0)
    g_string_append_printf (path, ".%u", number);
  return g_string_free (path, FALSE);
}

/* After it: all of @text is on stderr, or as much as stderr took. */
static void
preload_write_stderr (const char *text)
{
  gsize length = strlen (text);

  while (length > 0)
    {
      ssize_t n = write (STDERR_FILENO, text, length);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return;
      text += n;
      length -= (gsize) n;
    }
}

static char *
preload_format (OuroReport *report,
                guint       number)
{
  g_autofree char *body = NULL;
  GString *text;

  switch (preload_options.format)
    {
    case OURO_OPTIONS_FORMAT_JSON:
      return ouro_report_to_json (report);
    case OURO_OPTIONS_FORMAT_DOT:
      return ouro_report_to_dot (report);
    case OURO_OPTIONS_FORMAT_TEXT:
    default:
      break;
    }

  body = ouro_report_to_text (report);
  text = g_string_new (NULL);
  if (number == 0)
    g_string_append_printf (text, "==%d== ouro: report at exit of %s\n",
                            (int) getpid (), program_invocation_short_name);
  else
    g_string_append_printf (text, "==%d== ouro: report %u (SIGUSR1) of %s\n",
                            (int) getpid (), number, program_invocation_short_name);
  g_string_append (text, body);
  if (preload_options.ledger)
    {
      g_autofree char *stats = ouro_ledger_describe_statistics ();
      g_string_append_printf (text, "Reference ledger: %s\n", stats);
    }
  return g_string_free (text, FALSE);
}

/* After it: a report, numbered @number (0: the exit report), is written
 * where the options say.  Returns the number of garbage objects found. */
static guint
preload_report (guint number)
{
  OuroScanFlags flags = OURO_SCAN_GARBAGE;
  g_autoptr(OuroReport) report = NULL;
  g_autofree char *text = NULL;
  guint n_garbage;

  if (preload_options.all_cycles)
    flags |= OURO_SCAN_ALL_CYCLES;
  if (preload_options.summary)
    flags |= OURO_SCAN_LIVE_SUMMARY;

  report = ouro_scan (flags);
  if (report == NULL)
    return 0;
  n_garbage = ouro_report_get_n_garbage (report);
  text = preload_format (report, number);

  if (preload_options.output == NULL)
    preload_write_stderr (text);
  else
    {
      g_autofree char *path = preload_expand_output (preload_options.output, number);
      g_autoptr(GError) error = NULL;

      if (!g_file_set_contents (path, text, -1, &error))
        {
          g_autofree char *message = g_strdup_printf ("ouro: cannot write the report: %s\n",
                                                      error->message);
          preload_write_stderr (message);
          preload_write_stderr (text);
        }
      else if (number == 0)
        {
          g_autofree char *message = g_strdup_printf ("==%d== ouro: %u garbage objects; "
                                                      "report in %s\n",
                                                      (int) getpid (), n_garbage, path);
          preload_write_stderr (message);
        }
    }
  return n_garbage;
}

/* ---- the exit report --------------------------------------------------- */

static void
preload_exit_report (void)
{
  guint n_garbage;

  if (!preload_active || !g_atomic_int_compare_and_exchange (&preload_exit_reported, 0, 1))
    return;
  if ((preload_options.report & OURO_OPTIONS_REPORT_EXIT) == 0)
    return;
  /* A child forked without exec shares the parent's objects up to the
   * fork, and would overwrite its report: only the program reports. */
  if (getpid () != preload_pid)
    return;

  n_garbage = preload_report (0);
  if (n_garbage > 0 && preload_options.error_exitcode != 0)
    {
      g_autofree char *message =
        g_strdup_printf ("==%d== ouro: garbage found: exit code %u (error-exitcode)\n",
                         (int) getpid (), preload_options.error_exitcode);
      preload_write_stderr (message);
      fflush (NULL);
      _exit ((int) preload_options.error_exitcode);
    }
}

typedef int (*MainFunc)           (int, char **, char **);
typedef int (*LibcStartMainFunc)  (MainFunc, int, char **, void (*) (void), void (*) (void),
                                   void (*) (void), void *);

static MainFunc preload_real_main;

static int
preload_main (int    argc,
              char **argv,
              char **envp)
{
  /* Registered here, after libc registered its own teardown: runs after
   * the program's atexit handlers and before library destructors, while
   * GTK and GLib still work. */
  atexit (preload_exit_report);
  return preload_real_main (argc, argv, envp);
}

PRELOAD_EXPORT int __libc_start_main (MainFunc main_func, int argc, char **argv,
                                      void (*init) (void), void (*fini) (void),
                                      void (*rtld_fini) (void), void *stack_end);

PRELOAD_EXPORT int
__libc_start_main (MainFunc    main_func,
                   int         argc,
                   char      **argv,
                   void      (*init) (void),
                   void      (*fini) (void),
                   void      (*rtld_fini) (void),
                   void       *stack_end)
{
  LibcStartMainFunc real = (LibcStartMainFunc) dlsym (RTLD_NEXT, "__libc_start_main");

  if (real == NULL)
    abort ();   /* cannot happen in a dynamically linked program */
  preload_real_main = main_func;
  return real (preload_main, argc, argv, init, fini, rtld_fini, stack_end);
}

__attribute__((destructor)) static void
preload_fini (void)
{
  preload_exit_report ();
}

/* ---- reports on SIGUSR1 ------------------------------------------------ */

typedef struct {
  gint   refcount;
  gint   claimed;     /* 1 once the main loop or the helper took it */
  GMutex lock;
  GCond  cond;
  gboolean done;
} PreloadRequest;

static void
preload_request_unref (gpointer data)
{
  PreloadRequest *request = data;

  if (g_atomic_int_dec_and_test (&request->refcount))
    {
      g_mutex_clear (&request->lock);
      g_cond_clear (&request->cond);
      g_free (request);
    }
}

static void
preload_request_finish (PreloadRequest *request)
{
  g_mutex_lock (&request->lock);
  request->done = TRUE;
  g_cond_broadcast (&request->cond);
  g_mutex_unlock (&request->lock);
}

static gboolean
preload_report_on_main_loop (gpointer data)
{
  PreloadRequest *request = data;

  if (g_atomic_int_compare_and_exchange (&request->claimed, 0, 1))
    {
      preload_report ((guint) g_atomic_int_add (&preload_n_signal_reports, 1) + 1);
      preload_request_finish (request);
    }
  return G_SOURCE_REMOVE;
}

/* After it: one signal report has been written, by the main loop or by
 * this thread. */
static void
preload_serve_signal (void)
{
  PreloadRequest *request = g_new0 (PreloadRequest, 1);
  GSource *source = g_idle_source_new ();
  gint64 deadline = g_get_monotonic_time () + PRELOAD_MAIN_LOOP_WAIT_MS * G_TIME_SPAN_MILLISECOND;

  g_mutex_init (&request->lock);
  g_cond_init (&request->cond);
  request->refcount = 2;
  g_source_set_priority (source, G_PRIORITY_HIGH);
  g_source_set_static_name (source, "[ouro] report on SIGUSR1");
  g_source_set_callback (source, preload_report_on_main_loop, request, preload_request_unref);
  g_source_attach (source, g_main_context_default ());

  g_mutex_lock (&request->lock);
  while (!request->done && g_atomic_int_get (&request->claimed) == 0)
    if (!g_cond_wait_until (&request->cond, &request->lock, deadline))
      break;
  g_mutex_unlock (&request->lock);

  if (g_atomic_int_compare_and_exchange (&request->claimed, 0, 1))
    {
      /* No main loop ran it: scan here. */
      g_source_destroy (source);
      preload_report ((guint) g_atomic_int_add (&preload_n_signal_reports, 1) + 1);
    }
  else
    {
      g_mutex_lock (&request->lock);
      while (!request->done)
        g_cond_wait (&request->cond, &request->lock);
      g_mutex_unlock (&request->lock);
    }
  g_source_unref (source);
  preload_request_unref (request);
}

static void
preload_on_sigusr1 (int signum)
{
  int saved_errno = errno;
  char byte = 1;

  /* Only async-signal-safe calls here.  A full pipe already has a
   * request pending: dropping this one loses nothing. */
  if (write (preload_pipe[1], &byte, 1) < 0)
    { /* nothing to do */ }
  errno = saved_errno;
}

static void *
preload_signal_thread (void *data)
{
  for (;;)
    {
      char bytes[64];
      ssize_t n = read (preload_pipe[0], bytes, sizeof bytes);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return NULL;
      /* Signals that arrived together make one report. */
      preload_serve_signal ();
    }
}

static void
preload_start_signal_helper (void)
{
  struct sigaction action;
  sigset_t all, previous;
  pthread_t thread;
  int error;

  if (pipe2 (preload_pipe, O_CLOEXEC) != 0
      || fcntl (preload_pipe[1], F_SETFL, O_NONBLOCK) != 0)
    {
      g_warning ("ouro: no SIGUSR1 reports: pipe: %s", g_strerror (errno));
      return;
    }

  /* The helper must never take the program's signals. */
  sigfillset (&all);
  pthread_sigmask (SIG_SETMASK, &all, &previous);
  error = pthread_create (&thread, NULL, preload_signal_thread, NULL);
  pthread_sigmask (SIG_SETMASK, &previous, NULL);
  if (error != 0)
    {
      g_warning ("ouro: no SIGUSR1 reports: pthread_create: %s", g_strerror (error));
      return;
    }
  pthread_detach (thread);

  memset (&action, 0, sizeof action);
  action.sa_handler = preload_on_sigusr1;
  action.sa_flags = SA_RESTART;
  sigemptyset (&action.sa_mask);
  sigaction (SIGUSR1, &action, NULL);
}

/* ---- start-up ---------------------------------------------------------- */

/* After it: LD_PRELOAD no longer names this module, so programs the
 * program starts run without it. */
static void
preload_leave_environment (void)
{
  const char *preload = getenv ("LD_PRELOAD");
  Dl_info self;
  g_autofree char *self_base = NULL;
  g_auto(GStrv) entries = NULL;
  GString *kept;

  if (preload == NULL || dladdr ((void *) preload_leave_environment, &self) == 0
      || self.dli_fname == NULL)
    return;
  self_base = g_path_get_basename (self.dli_fname);
  entries = g_strsplit_set (preload, ": ", -1);
  kept = g_string_new (NULL);
  for (guint i = 0; entries[i] != NULL; i++)
    {
      g_autofree char *base = g_path_get_basename (entries[i]);

      if (entries[i][0] == '\0' || g_str_equal (base, self_base))
        continue;
      if (kept->len > 0)
        g_string_append_c (kept, ':');
      g_string_append (kept, entries[i]);
    }
  if (kept->len > 0)
    setenv ("LD_PRELOAD", kept->str, 1);
  else
    unsetenv ("LD_PRELOAD");
  g_string_free (kept, TRUE);
}

__attribute__((constructor)) static void
preload_init (void)
{
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);

  preload_pid = getpid ();
  ouro_options_init (&preload_options);
  ouro_options_parse (&preload_options, getenv ("OURO_OPTIONS"), warnings);
  for (guint i = 0; i < warnings->len; i++)
    {
      g_autofree char *message = g_strdup_printf ("ouro: OURO_OPTIONS: %s\n",
                                                  (const char *) warnings->pdata[i]);
      preload_write_stderr (message);
    }

  if (!preload_options.children)
    preload_leave_environment ();

  ouro_gobject_init ();
  if (preload_options.ledger)
    {
      g_autoptr(GError) error = NULL;

      if (!ouro_ledger_enable (preload_options.backtrace, &error))
        {
          g_autofree char *message = g_strdup_printf ("ouro: no reference ledger: %s\n",
                                                      error->message);
          preload_write_stderr (message);
          preload_options.ledger = FALSE;
        }
    }
  if (preload_options.report & OURO_OPTIONS_REPORT_SIGNAL)
    preload_start_signal_helper ();
  preload_active = TRUE;
}
