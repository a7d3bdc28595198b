/* ouro-preload.c — the module `ouro run` preloads into an unmodified
 * program: tracking from the first GObject, reports at exit, on SIGUSR1,
 * and before SIGINT or SIGTERM kills the program; snapshots of the live
 * objects on SIGUSR2 (and at exit with snapshot=exit).
 *
 * MT safe.  What runs where:
 *  - the constructor runs before main, single-threaded: it reads
 *    OURO_OPTIONS, takes the module out of LD_PRELOAD (so child processes
 *    run untouched unless children=yes), starts tracking and the reference
 *    ledger, and starts the signal helper thread;
 *  - the signal handlers (SIGUSR1 for report=signal, SIGUSR2 for
 *    snapshot=signal; SIGINT and SIGTERM for the exit report, when the
 *    program started with their default action) only write the signal's
 *    number to a pipe (async-signal-safe: no scan, no allocation, no lock
 *    in the handler);
 *  - the helper thread writes a snapshot itself: it reads the registry
 *    only (type names and sizes), no GTK state;
 *  - the helper thread reads that pipe and asks the program's main loop
 *    (the default GMainContext) for the report, with a high-priority idle
 *    source, so the scan runs where GTK state is consistent.  When no main
 *    loop dispatches it within PRELOAD_MAIN_LOOP_WAIT_MS, the helper claims
 *    the request and scans on its own thread; the registry lock serialises
 *    it with tracking, and the glue re-checks what it reads, so that path is
 *    safe for the registry but reads GTK state that the main thread may be
 *    changing (documented in the README).  After the exit report for SIGINT
 *    or SIGTERM, the helper restores the signal's default action and sends
 *    it to the process again, which dies by it, as it would have without
 *    the module (valgrind does the same);
 *  - the exit report runs from an atexit handler registered at the start
 *    of main (the module wraps __libc_start_main), so it comes after the
 *    program's own atexit handlers and before any library destructor; a
 *    destructor is the fallback when main was never wrapped.  Whichever
 *    comes first, the atexit handler or a fatal signal, writes it, once.
 *
 * error-exitcode=N: when the exit report at a normal exit finds garbage
 * (or probable garbage, with error-on=probable), the process exits with N
 * instead of its own status (valgrind's --error-exitcode).  A process killed by SIGINT or SIGTERM still dies by
 * the signal: its status already says it failed.
 *
 * A child the program forks without exec writes no exit report (it would
 * repeat, or overwrite, the parent's) and dies by SIGINT or SIGTERM at
 * once; one that execs is a new program and runs without the module,
 * unless children=yes.
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
static GMutex      preload_exit_lock;       /* held while the exit report is written */
static gboolean    preload_exit_reported;   /* under preload_exit_lock */
static gint        preload_n_signal_reports;
static pid_t       preload_pid;   /* the process the module was loaded into */

/* ---- writing a report -------------------------------------------------- */

/* The file @pattern names for output @number (0: the one at exit): "%p"
 * is the process id, "%n" the number ("exit" for 0); without "%n", a
 * number above 0 is appended (".2"). */
static char *
preload_expand_output (const char *pattern,
                       guint       number)
{
  g_autofree char *pid = g_strdup_printf ("%d", (int) getpid ());
  g_autofree char *n = number > 0 ? g_strdup_printf ("%u", number) : g_strdup ("exit");
  GString *path = g_string_new (NULL);
  gboolean numbered = FALSE;

  for (const char *p = pattern; *p != '\0'; p++)
    {
      if (p[0] == '%' && (p[1] == 'p' || p[1] == 'n'))
        {
          g_string_append (path, p[1] == 'p' ? pid : n);
          numbered |= p[1] == 'n';
          p++;
        }
      else
        g_string_append_c (path, *p);
    }
  if (number > 0 && !numbered)
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

/* The name of a signal the module handles, for report headers. */
static const char *
preload_signal_name (int signum)
{
  switch (signum)
    {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    case SIGUSR1:
      return "SIGUSR1";
    default:
      return "a signal";
    }
}

/* @number: 0 for the exit report; @signum: the signal that asked for the
 * report, 0 for a normal exit. */
static char *
preload_format (OuroReport *report,
                guint       number,
                int         signum)
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
  if (number == 0 && signum == 0)
    g_string_append_printf (text, "==%d== ouro: report at exit of %s\n",
                            (int) getpid (), program_invocation_short_name);
  else if (number == 0)
    g_string_append_printf (text, "==%d== ouro: report at exit of %s (%s)\n",
                            (int) getpid (), program_invocation_short_name,
                            preload_signal_name (signum));
  else
    g_string_append_printf (text, "==%d== ouro: report %u (%s) of %s\n",
                            (int) getpid (), number, preload_signal_name (signum),
                            program_invocation_short_name);
  g_string_append (text, body);
  if (preload_options.ledger)
    {
      g_autofree char *stats = ouro_ledger_describe_statistics ();
      g_string_append_printf (text, "Reference ledger: %s\n", stats);
    }
  return g_string_free (text, FALSE);
}

/* After it: a report, numbered @number (0: the exit report), asked for by
 * @signum (0: a normal exit), is written where the options say.  Returns
 * the number of garbage objects found, and probable garbage objects with
 * error-on=probable. */
static guint
preload_report (guint number,
                int   signum)
{
  OuroScanFlags flags = OURO_SCAN_GARBAGE;
  g_autoptr(OuroReport) report = NULL;
  g_autofree char *text = NULL;
  guint n_garbage;

  if (preload_options.all_cycles)
    flags |= OURO_SCAN_ALL_CYCLES;
  if (preload_options.summary)
    flags |= OURO_SCAN_LIVE_SUMMARY;
  if (preload_options.fields != OURO_OPTIONS_FIELDS_NONE)
    flags |= OURO_SCAN_PROBABLE;

  report = ouro_scan (flags);
  if (report == NULL)
    return 0;
  n_garbage = ouro_report_get_n_garbage (report);
  if (preload_options.error_probable)
    n_garbage += ouro_report_get_n_probable (report);
  text = preload_format (report, number, signum);

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
          guint n_probable = ouro_report_get_n_probable (report);
          g_autofree char *probable = n_probable > 0
                                      ? g_strdup_printf (", %u probable", n_probable)
                                      : g_strdup ("");
          g_autofree char *message = g_strdup_printf ("==%d== ouro: %u garbage objects%s; "
                                                      "report in %s\n",
                                                      (int) getpid (),
                                                      ouro_report_get_n_garbage (report),
                                                      probable, path);
          preload_write_stderr (message);
        }
    }
  return n_garbage;
}

/* ---- snapshots --------------------------------------------------------- */

static gint preload_n_snapshots;

/* After it: a snapshot of the live objects, numbered @number (0: the one
 * at exit), is written as JSON where snapshot-output says, and a line on
 * stderr says where.  Any thread: a snapshot runs no application code. */
/* The site function: where the ledger saw a GObject created. */
static const char *
preload_creation_site (gpointer         object,
                       const OuroClass *klass,
                       gpointer         user_data)
{
  return klass == ouro_gobject_class () ? ouro_ledger_creation_site (object) : NULL;
}

static void
preload_write_snapshot (guint number)
{
  g_autoptr(OuroSnapshot) snapshot = NULL;
  g_autofree char *json = NULL;
  g_autofree char *path = preload_expand_output (preload_options.snapshot_output, number);
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  /* Every thread's pending creations applied, so each site is known. */
  if (preload_options.ledger)
    ouro_ledger_sync ();
  snapshot = ouro_snapshot_take ();
  json = ouro_snapshot_to_json (snapshot);
  if (!g_file_set_contents (path, json, -1, &error))
    message = g_strdup_printf ("==%d== ouro: cannot write the snapshot: %s\n", (int) getpid (),
                               error->message);
  else if (number > 0)
    message = g_strdup_printf ("==%d== ouro: snapshot %u (SIGUSR2), %u objects: %s\n",
                               (int) getpid (), number, ouro_snapshot_get_n_tracked (snapshot),
                               path);
  else
    message = g_strdup_printf ("==%d== ouro: snapshot at exit, %u objects: %s\n",
                               (int) getpid (), ouro_snapshot_get_n_tracked (snapshot), path);
  preload_write_stderr (message);
}

/* ---- the exit report --------------------------------------------------- */

/* After it: the exit report has been written, by this call or an earlier
 * one, when the options ask for it; @signum is the fatal signal that asked
 * for it, 0 at a normal exit.  Returns the garbage this call found (0 when
 * it wrote nothing).  A call while another thread writes it waits for it:
 * a fatal signal during the atexit report kills the process only once
 * the report is out. */
static guint
preload_write_exit_report (int signum)
{
  guint n_garbage = 0;

  /* A child forked without exec shares the parent's objects up to the
   * fork, and would overwrite its report: only the program reports.  The
   * check comes before the lock, which a fork may have copied held. */
  if (!preload_active || getpid () != preload_pid)
    return 0;
  g_mutex_lock (&preload_exit_lock);
  if (!preload_exit_reported)
    {
      preload_exit_reported = TRUE;
      if (preload_options.snapshot & OURO_OPTIONS_REPORT_EXIT)
        preload_write_snapshot (0);
      if (preload_options.report & OURO_OPTIONS_REPORT_EXIT)
        n_garbage = preload_report (0, signum);
    }
  g_mutex_unlock (&preload_exit_lock);
  return n_garbage;
}

/* The atexit handler (and the destructor): the exit report of a normal
 * exit, where error-exitcode applies. */
static void
preload_exit_report (void)
{
  guint n_garbage = preload_write_exit_report (0);

  if (n_garbage > 0 && preload_options.error_exitcode != 0)
    {
      g_autofree char *message =
        g_strdup_printf ("==%d== ouro: %s found: exit code %u (error-exitcode)\n",
                         (int) getpid (),
                         preload_options.error_probable ? "garbage or probable garbage" : "garbage",
                         preload_options.error_exitcode);
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

/* ---- reports on signals ------------------------------------------------ */

/* The signals whose default action the exit report goes before. */
static const int preload_fatal_signals[] = { SIGINT, SIGTERM };

typedef struct {
  gint   refcount;
  gint   claimed;     /* 1 once the main loop or the helper took it */
  int    signum;      /* SIGUSR1: a numbered report; SIGINT, SIGTERM: the exit report */
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

/* After it: the report @request asks for is written, on the calling
 * thread. */
static void
preload_request_run (PreloadRequest *request)
{
  if (request->signum == SIGUSR1)
    preload_report ((guint) g_atomic_int_add (&preload_n_signal_reports, 1) + 1, SIGUSR1);
  else
    preload_write_exit_report (request->signum);
}

static gboolean
preload_report_on_main_loop (gpointer data)
{
  PreloadRequest *request = data;

  if (g_atomic_int_compare_and_exchange (&request->claimed, 0, 1))
    {
      preload_request_run (request);
      preload_request_finish (request);
    }
  return G_SOURCE_REMOVE;
}

/* After it: the report @signum asks for has been written, by the main
 * loop or by this thread. */
static void
preload_serve_signal (int signum)
{
  PreloadRequest *request = g_new0 (PreloadRequest, 1);
  GSource *source = g_idle_source_new ();
  gint64 deadline = g_get_monotonic_time () + PRELOAD_MAIN_LOOP_WAIT_MS * G_TIME_SPAN_MILLISECOND;

  g_mutex_init (&request->lock);
  g_cond_init (&request->cond);
  request->refcount = 2;
  request->signum = signum;
  g_source_set_priority (source, G_PRIORITY_HIGH);
  g_source_set_static_name (source, signum == SIGUSR1 ? "[ouro] report on SIGUSR1"
                                                      : "[ouro] exit report on a fatal signal");
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
      preload_request_run (request);
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

/* After it: @signum has its default action again and is sent to the
 * process, which dies by it as soon as a thread that does not block it
 * runs (kill, not raise: the helper thread blocks every signal).
 * Async-signal-safe. */
static void
preload_resume_fatal_signal (int signum)
{
  struct sigaction action;

  memset (&action, 0, sizeof action);
  action.sa_handler = SIG_DFL;
  sigemptyset (&action.sa_mask);
  sigaction (signum, &action, NULL);
  kill (getpid (), signum);
}

static void
preload_on_signal (int signum)
{
  int saved_errno = errno;
  char byte = (char) signum;

  /* Only async-signal-safe calls here.  For SIGUSR1 and SIGUSR2, a full
   * pipe already has a request pending: dropping this one loses nothing. */
  if (signum == SIGUSR1 || signum == SIGUSR2)
    {
      if (write (preload_pipe[1], &byte, 1) < 0)
        { /* nothing to do */ }
    }
  /* A child forked without exec has no helper thread, and its pipe is the
   * parent's: it dies as it would have without the module, unreported.
   * So does the program when the pipe cannot take the request. */
  else if (getpid () != preload_pid || write (preload_pipe[1], &byte, 1) != 1)
    preload_resume_fatal_signal (signum);
  errno = saved_errno;
}

static void *
preload_signal_thread (void *data)
{
  for (;;)
    {
      char bytes[64];
      gboolean usr1 = FALSE, usr2 = FALSE;
      int fatal = 0;
      ssize_t n = read (preload_pipe[0], bytes, sizeof bytes);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return NULL;
      for (ssize_t i = 0; i < n; i++)
        {
          if (bytes[i] == SIGUSR1)
            usr1 = TRUE;
          else if (bytes[i] == SIGUSR2)
            usr2 = TRUE;
          else if (fatal == 0)
            fatal = bytes[i];
        }
      /* Signals that arrived together make one report, one snapshot.  A
       * snapshot reads the registry only: this thread takes it, with no
       * need for the main loop. */
      if (usr2)
        preload_write_snapshot ((guint) g_atomic_int_add (&preload_n_snapshots, 1) + 1);
      if (usr1)
        preload_serve_signal (SIGUSR1);
      if (fatal != 0)
        {
          /* A second fatal signal during the report finds the exit report
           * done: it only sends its signal again. */
          preload_serve_signal (fatal);
          preload_resume_fatal_signal (fatal);
        }
    }
}

/* After it: the signals the options ask for write to the pipe the helper
 * thread reads: SIGUSR1 for report=signal, SIGUSR2 for snapshot=signal,
 * SIGINT and SIGTERM for report=exit.  A fatal signal is taken only when it had its default
 * action: a program started with SIGINT ignored (by nohup, or in the
 * background) keeps ignoring it.  A program that installs its own handler
 * later replaces ours, and its exit runs the atexit report. */
static void
preload_start_signal_helper (void)
{
  int signals[2 + G_N_ELEMENTS (preload_fatal_signals)];
  guint n_signals = 0;
  struct sigaction action;
  sigset_t all, previous;
  pthread_t thread;
  int error;

  if (preload_options.report & OURO_OPTIONS_REPORT_SIGNAL)
    signals[n_signals++] = SIGUSR1;
  if (preload_options.snapshot & OURO_OPTIONS_REPORT_SIGNAL)
    signals[n_signals++] = SIGUSR2;
  if (preload_options.report & OURO_OPTIONS_REPORT_EXIT)
    for (gsize i = 0; i < G_N_ELEMENTS (preload_fatal_signals); i++)
      {
        struct sigaction current;

        if (sigaction (preload_fatal_signals[i], NULL, &current) == 0
            && (current.sa_flags & SA_SIGINFO) == 0 && current.sa_handler == SIG_DFL)
          signals[n_signals++] = preload_fatal_signals[i];
      }
  if (n_signals == 0)
    return;

  if (pipe2 (preload_pipe, O_CLOEXEC) != 0
      || fcntl (preload_pipe[1], F_SETFL, O_NONBLOCK) != 0)
    {
      g_warning ("ouro: no reports on signals: pipe: %s", g_strerror (errno));
      return;
    }

  /* The helper must never take the program's signals. */
  sigfillset (&all);
  pthread_sigmask (SIG_SETMASK, &all, &previous);
  error = pthread_create (&thread, NULL, preload_signal_thread, NULL);
  pthread_sigmask (SIG_SETMASK, &previous, NULL);
  if (error != 0)
    {
      g_warning ("ouro: no reports on signals: pthread_create: %s", g_strerror (error));
      return;
    }
  pthread_detach (thread);

  memset (&action, 0, sizeof action);
  action.sa_handler = preload_on_signal;
  action.sa_flags = SA_RESTART;
  sigemptyset (&action.sa_mask);
  for (guint i = 0; i < n_signals; i++)
    sigaction (signals[i], &action, NULL);
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
  ouro_gobject_set_field_scope ((OuroGObjectFieldScope) preload_options.fields);
  /* Snapshots count objects by creation site too, as the ledger saw them. */
  if (preload_options.ledger && preload_options.snapshot != 0)
    ouro_set_site_func (preload_creation_site, NULL);
  if (preload_options.ledger)
    {
      g_autoptr(GError) error = NULL;

      /* Creation sites are for snapshots: none wanted, none kept. */
      ouro_ledger_keep_creation_sites (preload_options.snapshot != 0);

      if (!ouro_ledger_enable (preload_options.backtrace, &error))
        {
          g_autofree char *message = g_strdup_printf ("ouro: no reference ledger: %s\n",
                                                      error->message);
          preload_write_stderr (message);
          preload_options.ledger = FALSE;
        }
    }
  /* Active before a handler can ask for the exit report. */
  preload_active = TRUE;
  preload_start_signal_helper ();
}
