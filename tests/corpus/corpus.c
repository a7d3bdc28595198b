/* corpus.c — the corpus programs' shared helpers; see corpus.h. */
#include "corpus.h"

#include <stdlib.h>
#include <string.h>

gboolean
corpus_parse_leaky (int    argc,
                    char **argv)
{
  if (argc != 2 || (strcmp (argv[1], "leaky") != 0 && strcmp (argv[1], "clean") != 0))
    {
      g_printerr ("usage: %s leaky|clean\n", argc > 0 ? argv[0] : "corpus-program");
      exit (2);
    }
  return strcmp (argv[1], "leaky") == 0;
}

void
corpus_settle (void)
{
  gint64 deadline = g_get_monotonic_time () + 200 * G_TIME_SPAN_MILLISECOND;

  while (g_main_context_pending (NULL) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
}
