/* fuzz-options.c — fuzzes the OURO_OPTIONS parser (ouro_options_parse,
 * gobject-glue/run/ouro-options.c): the text comes from the environment of a
 * program Ouro runs inside, so every byte sequence must give settings plus
 * warnings, never a crash, an abort or a loop.
 *
 * Not thread safe (one input at a time).  The input, up to its first NUL
 * (an environment variable cannot hold one), is parsed twice into the same
 * options (the second parse replaces what the first set) and once more
 * from the defaults.  Checks: the result is TRUE exactly when no warning
 * was added; every setting stays in its documented range; every warning
 * is printable ASCII (untrusted text is quoted); both parses from the
 * defaults agree.  A broken promise aborts (g_error).
 */
#include <string.h>

#include "ouro-options-private.h"

#include "fuzz-harness.h"

#define FUZZ_MAX_VALUE 4096   /* ouro-options.c's OPTIONS_MAX_VALUE */

/* After it: @options and @warnings (from @before on) were found within
 * what ouro-options-private.h promises. */
static void
fuzz_check_options (const OuroOptions *options,
                    GPtrArray         *warnings,
                    guint              before,
                    gboolean           result)
{
  if (result != (warnings->len == before))
    g_error ("returned %d with %u warnings", result, warnings->len - before);
  if ((options->report & ~(OURO_OPTIONS_REPORT_EXIT | OURO_OPTIONS_REPORT_SIGNAL)) != 0)
    g_error ("report = %#x", (guint) options->report);
  if (options->format != OURO_OPTIONS_FORMAT_TEXT && options->format != OURO_OPTIONS_FORMAT_JSON
      && options->format != OURO_OPTIONS_FORMAT_DOT)
    g_error ("format = %d", (int) options->format);
  if (options->backtrace < 1 || options->backtrace > OURO_OPTIONS_MAX_BACKTRACE)
    g_error ("backtrace = %u", options->backtrace);
  if (options->error_exitcode > 255)
    g_error ("error-exitcode = %u", options->error_exitcode);
  if (options->output != NULL
      && (options->output[0] == '\0' || strlen (options->output) > FUZZ_MAX_VALUE))
    g_error ("output of length %zu", strlen (options->output));
  for (guint i = before; i < warnings->len; i++)
    for (const char *p = warnings->pdata[i]; *p != '\0'; p++)
      if ((guchar) *p < 0x20 || (guchar) *p >= 0x7f)
        g_error ("warning %u holds byte %#x: %s", i, (guchar) *p, (const char *) warnings->pdata[i]);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  char *text = g_strndup ((const char *) data, size);
  GPtrArray *warnings = g_ptr_array_new_with_free_func (g_free);
  OuroOptions options, fresh;
  gboolean result;
  guint first;

  fuzz_harness_init ();

  ouro_options_init (&options);
  result = ouro_options_parse (&options, text, warnings);
  fuzz_check_options (&options, warnings, 0, result);
  first = warnings->len;
  result = ouro_options_parse (&options, text, warnings);
  fuzz_check_options (&options, warnings, first, result);
  if (warnings->len - first != first)
    g_error ("the same text gave %u warnings, then %u", first, warnings->len - first);

  ouro_options_init (&fresh);
  g_ptr_array_set_size (warnings, 0);
  result = ouro_options_parse (&fresh, text, warnings);
  fuzz_check_options (&fresh, warnings, 0, result);
  if (fresh.report != options.report || fresh.format != options.format
      || fresh.backtrace != options.backtrace || fresh.ledger != options.ledger
      || fresh.all_cycles != options.all_cycles || fresh.summary != options.summary
      || fresh.children != options.children || fresh.error_exitcode != options.error_exitcode
      || g_strcmp0 (fresh.output, options.output) != 0)
    g_error ("parsing twice does not give what parsing once gives");

  ouro_options_clear (&fresh);
  ouro_options_clear (&options);
  if (options.output != NULL)
    g_error ("ouro_options_clear left output set");
  g_ptr_array_unref (warnings);
  g_free (text);
  return 0;
}
