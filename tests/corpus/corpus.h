/* corpus.h — what the corpus programs share: choosing the twin to run and
 * letting the main loop settle before exit.
 *
 * The corpus programs (tests/corpus/) are unmodified programs for
 * tests/test-corpus.c: they never include or link Ouro.  Each builds one
 * leak shape the way GTK applications are written and takes one argument:
 * `leaky` runs the shape with its bug, `clean` with the idiomatic fix.
 * Main thread only.
 */
#pragma once

#include <glib.h>

/* Returns TRUE for `PROGRAM leaky`, FALSE for `PROGRAM clean`; any other
 * command line prints the usage and exits with status 2. */
gboolean corpus_parse_leaky (int    argc,
                             char **argv);

/* Dispatches what the default main context has ready, until nothing is
 * (or 200 ms have passed: a source that is always ready, such as an idle
 * returning G_SOURCE_CONTINUE, never lets it go idle). */
void     corpus_settle      (void);
