/* fuzz-replay.c — the fuzz harnesses as plain programs: each argument, a
 * file or a directory of files (not recursive), goes once through
 * LLVMFuzzerTestOneInput ().  The meson suite "fuzz-corpus" replays the
 * corpora with it in every build, so an input that once crashed a parser
 * stays a regression test without clang or libFuzzer.
 *
 * Not thread safe (single-threaded program).  Exits 0 when every input ran
 * (a broken promise aborts inside the harness), 1 when a file cannot be
 * read or nothing was given.
 */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "fuzz-harness.h"

/* Runs the file at @path through the harness, from a buffer of exactly its
 * length (so an overread shows under ASan or valgrind).  Returns FALSE
 * when it cannot be read. */
static gboolean
replay_file (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;
  guint8 *exact;

  if (!g_file_get_contents (path, &contents, &length, &error))
    {
      fprintf (stderr, "fuzz-replay: %s\n", error->message);
      return FALSE;
    }
  exact = g_malloc (MAX (length, 1));
  memcpy (exact, contents, length);
  LLVMFuzzerTestOneInput (exact, length);
  g_free (exact);
  return TRUE;
}

static gint
replay_compare_names (gconstpointer a,
                      gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* Replays every regular file of @dir, in name order.  Returns the number
 * replayed, or -1 on an unreadable file or directory. */
static gint
replay_dir (const char *dir)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  GDir *handle = g_dir_open (dir, 0, &error);
  const char *name;

  if (handle == NULL)
    {
      fprintf (stderr, "fuzz-replay: %s\n", error->message);
      return -1;
    }
  while ((name = g_dir_read_name (handle)) != NULL)
    {
      char *path = g_build_filename (dir, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (paths, path);
      else
        g_free (path);
    }
  g_dir_close (handle);
  g_ptr_array_sort (paths, replay_compare_names);
  for (guint i = 0; i < paths->len; i++)
    if (!replay_file (paths->pdata[i]))
      return -1;
  return (gint) paths->len;
}

int
main (int    argc,
      char **argv)
{
  guint total = 0;

  if (argc < 2)
    {
      fprintf (stderr, "usage: %s FILE|DIRECTORY...\n", argv[0]);
      return 1;
    }
  for (int i = 1; i < argc; i++)
    {
      if (g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        {
          gint n = replay_dir (argv[i]);
          if (n < 0)
            return 1;
          total += (guint) n;
        }
      else if (replay_file (argv[i]))
        total++;
      else
        return 1;
    }
  printf ("fuzz-replay: %u inputs ran\n", total);
  return 0;
}
