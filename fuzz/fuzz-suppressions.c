/* fuzz-suppressions.c — fuzzes the suppressions-file parser
 * (ouro_leak_check_load_suppressions, detector/ouro-leak-check.c): the
 * file named by $OURO_SUPPRESSIONS, written by hand or by another build.
 *
 * Not thread safe (one input at a time).  The parser reads a path, so each
 * input goes into one memory file (memfd_create, kept open for the whole
 * run) and is loaded from /proc/self/fd/N into a fresh leak check, then
 * once more into the same check.  Checks: the two loads agree; a failure
 * comes with a G_FILE_ERROR naming the file.  A broken promise aborts
 * (g_error), as do GLib criticals and warnings.
 *
 * Each accepted "type NAME" interns NAME for the life of the process, as
 * GLib interns type names.  GLib's own g_intern_string () leaks its quark
 * array each time it grows (on purpose: lock-free readers may hold the old
 * one), which LeakSanitizer rightly reports after a few thousand distinct
 * names; so this harness defines g_intern_string () itself, with the same
 * promise (one canonical copy per string, alive until exit) over a hash
 * table that stays reachable.  A long run grows by the distinct names it
 * tries; the parser itself must not leak.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ouro.h"

#include "fuzz-harness.h"

static int         fuzz_fd = -1;
static char       *fuzz_path;
static GHashTable *fuzz_interned;   /* string -> itself, never freed */

/* Replaces GLib's for the code linked into this program (see above). */
const gchar *
g_intern_string (const gchar *string)
{
  char *interned;

  if (string == NULL)
    return NULL;
  if (fuzz_interned == NULL)
    fuzz_interned = g_hash_table_new (g_str_hash, g_str_equal);
  interned = g_hash_table_lookup (fuzz_interned, string);
  if (interned == NULL)
    {
      interned = g_strdup (string);
      g_hash_table_add (fuzz_interned, interned);
    }
  return interned;
}

static void
fuzz_init (void)
{
  fuzz_harness_init ();
  if (fuzz_fd >= 0)
    return;
  fuzz_fd = memfd_create ("ouro-fuzz-suppressions", 0);
  if (fuzz_fd < 0)
    g_error ("memfd_create: %s", g_strerror (errno));
  fuzz_path = g_strdup_printf ("/proc/self/fd/%d", fuzz_fd);
}

/* After it: the memory file holds exactly @data. */
static void
fuzz_write (const uint8_t *data,
            size_t         size)
{
  size_t done = 0;

  if (ftruncate (fuzz_fd, 0) != 0)
    g_error ("ftruncate: %s", g_strerror (errno));
  while (done < size)
    {
      ssize_t n = pwrite (fuzz_fd, data + done, size - done, (off_t) done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        g_error ("pwrite: %s", g_strerror (errno));
      done += (size_t) n;
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  OuroLeakCheck *check;
  GError *error = NULL, *error2 = NULL;
  gboolean ok, ok2;

  fuzz_init ();
  fuzz_write (data, size);

  check = ouro_leak_check_new ();
  ok = ouro_leak_check_load_suppressions (check, fuzz_path, &error);
  if (ok != (error == NULL))
    g_error ("returned %d with error %s", ok, error != NULL ? error->message : "(none)");
  if (!ok && (error->domain != G_FILE_ERROR || strstr (error->message, fuzz_path) == NULL))
    g_error ("an error that does not name the file: %s", error->message);

  ok2 = ouro_leak_check_load_suppressions (check, fuzz_path, &error2);
  if (ok2 != ok || (!ok && strcmp (error->message, error2->message) != 0))
    g_error ("loading twice gave different results: %s / %s",
             error != NULL ? error->message : "ok", error2 != NULL ? error2->message : "ok");

  g_clear_error (&error);
  g_clear_error (&error2);
  ouro_leak_check_free (check);
  return 0;
}
