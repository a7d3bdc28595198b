/* fuzz-harness.h — what every fuzz harness defines: libFuzzer's entry
 * point, one call per input.
 *
 * A harness is built two ways (fuzz/meson.build): with clang's libFuzzer
 * (-Dfuzzing=true), which supplies main () and mutates inputs, or with any
 * compiler and fuzz-replay.c's main (), which runs the files it is given
 * once each, so the corpora replay as regression tests in every build.
 * A harness aborts when the parser breaks one of its promises; returning
 * normally means the input was handled.  Not thread safe: libFuzzer and the
 * replay driver call it from one thread.
 */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

/* Runs the parser on @data (@size bytes, no terminator). */
int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

/* After it: GLib criticals and warnings abort, so a parser that trips its
 * own g_return_if_fail guards is a finding.  Cheap after the first call. */
static inline void
fuzz_harness_init (void)
{
  static gboolean done;

  if (done)
    return;
  done = TRUE;
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
}
