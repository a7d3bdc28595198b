/* ouro-options.c — parsing OURO_OPTIONS.
 *
 * MT safe: no state outside the OuroOptions it fills.
 *
 * The text comes from the environment of a program we run inside, so the
 * parser is strict and total: every byte sequence gives defaults plus
 * warnings, never a crash, an abort or an unbounded loop.  A bad setting
 * keeps its default rather than failing the program: the program is the
 * user's, the options only ours.
 */
#include "config.h"

#include <string.h>

#include "ouro-options-private.h"

/* A value longer than this is refused (a path is the longest expected). */
#define OPTIONS_MAX_VALUE 4096

typedef gboolean (*OptionsSetFunc) (OuroOptions *options,
                                    const char  *value,
                                    char       **problem);

static gboolean
options_parse_bool (const char *value,
                    gboolean   *out)
{
  static const char *const yes[] = { "yes", "1", "true", "on" };
  static const char *const no[] = { "no", "0", "false", "off" };

  for (gsize i = 0; i < G_N_ELEMENTS (yes); i++)
    if (g_ascii_strcasecmp (value, yes[i]) == 0)
      return (*out = TRUE), TRUE;
  for (gsize i = 0; i < G_N_ELEMENTS (no); i++)
    if (g_ascii_strcasecmp (value, no[i]) == 0)
      return (*out = FALSE), TRUE;
  return FALSE;
}

/* Accepts decimal digits only (no sign, no spaces), within [min, max]. */
static gboolean
options_parse_uint (const char *value,
                    guint       min,
                    guint       max,
                    guint      *out)
{
  guint64 n = 0;

  if (*value == '\0')
    return FALSE;
  for (const char *p = value; *p != '\0'; p++)
    {
      if (!g_ascii_isdigit (*p))
        return FALSE;
      n = n * 10 + (guint64) (*p - '0');
      if (n > max)
        return FALSE;
    }
  if (n < min)
    return FALSE;
  *out = (guint) n;
  return TRUE;
}

/* exit | signal | exit+signal | none, for report and snapshot. */
static gboolean
options_parse_when (const char         *value,
                    OuroOptionsReport  *out,
                    char              **problem)
{
  if (g_str_equal (value, "exit"))
    *out = OURO_OPTIONS_REPORT_EXIT;
  else if (g_str_equal (value, "signal"))
    *out = OURO_OPTIONS_REPORT_SIGNAL;
  else if (g_str_equal (value, "exit+signal") || g_str_equal (value, "signal+exit"))
    *out = OURO_OPTIONS_REPORT_EXIT | OURO_OPTIONS_REPORT_SIGNAL;
  else if (g_str_equal (value, "none"))
    *out = 0;
  else
    return (*problem = g_strdup ("expected exit, signal, exit+signal or none")), FALSE;
  return TRUE;
}

static gboolean
options_set_report (OuroOptions *options,
                    const char  *value,
                    char       **problem)
{
  return options_parse_when (value, &options->report, problem);
}

static gboolean
options_set_snapshot (OuroOptions *options,
                      const char  *value,
                      char       **problem)
{
  return options_parse_when (value, &options->snapshot, problem);
}

static gboolean
options_set_snapshot_output (OuroOptions *options,
                             const char  *value,
                             char       **problem)
{
  if (*value == '\0')
    return (*problem = g_strdup ("expected a file name")), FALSE;
  g_free (options->snapshot_output);
  options->snapshot_output = g_strdup (value);
  return TRUE;
}

static gboolean
options_set_format (OuroOptions *options,
                    const char  *value,
                    char       **problem)
{
  if (g_str_equal (value, "text"))
    options->format = OURO_OPTIONS_FORMAT_TEXT;
  else if (g_str_equal (value, "json"))
    options->format = OURO_OPTIONS_FORMAT_JSON;
  else if (g_str_equal (value, "dot"))
    options->format = OURO_OPTIONS_FORMAT_DOT;
  else
    return (*problem = g_strdup ("expected text, json or dot")), FALSE;
  return TRUE;
}

static gboolean
options_set_output (OuroOptions *options,
                    const char  *value,
                    char       **problem)
{
  if (*value == '\0')
    return (*problem = g_strdup ("expected a file name")), FALSE;
  g_free (options->output);
  options->output = g_strdup (value);
  return TRUE;
}

static gboolean
options_set_backtrace (OuroOptions *options,
                       const char  *value,
                       char       **problem)
{
  if (!options_parse_uint (value, 1, OURO_OPTIONS_MAX_BACKTRACE, &options->backtrace))
    return (*problem = g_strdup_printf ("expected a number of frames from 1 to %d",
                                        OURO_OPTIONS_MAX_BACKTRACE)), FALSE;
  return TRUE;
}

static gboolean
options_set_error_exitcode (OuroOptions *options,
                            const char  *value,
                            char       **problem)
{
  if (!options_parse_uint (value, 0, 255, &options->error_exitcode))
    return (*problem = g_strdup ("expected an exit code from 0 (off) to 255")), FALSE;
  return TRUE;
}

static gboolean
options_set_error_on (OuroOptions *options,
                      const char  *value,
                      char       **problem)
{
  if (g_str_equal (value, "garbage"))
    options->error_probable = FALSE;
  else if (g_str_equal (value, "probable"))
    options->error_probable = TRUE;
  else
    return (*problem = g_strdup ("expected garbage or probable")), FALSE;
  return TRUE;
}

static gboolean
options_set_fields (OuroOptions *options,
                    const char  *value,
                    char       **problem)
{
  if (g_str_equal (value, "program"))
    options->fields = OURO_OPTIONS_FIELDS_PROGRAM;
  else if (g_str_equal (value, "all"))
    options->fields = OURO_OPTIONS_FIELDS_ALL;
  else if (g_str_equal (value, "none"))
    options->fields = OURO_OPTIONS_FIELDS_NONE;
  else
    return (*problem = g_strdup ("expected program, all or none")), FALSE;
  return TRUE;
}

#define OPTIONS_BOOL_SETTER(member)                                           \
  static gboolean                                                             \
  options_set_##member (OuroOptions *options,                                 \
                        const char  *value,                                   \
                        char       **problem)                                 \
  {                                                                           \
    if (!options_parse_bool (value, &options->member))                        \
      return (*problem = g_strdup ("expected yes or no")), FALSE;             \
    return TRUE;                                                              \
  }
OPTIONS_BOOL_SETTER (ledger)
OPTIONS_BOOL_SETTER (all_cycles)
OPTIONS_BOOL_SETTER (summary)
OPTIONS_BOOL_SETTER (children)

static const struct {
  const char     *key;
  OptionsSetFunc  set;
} options_keys[] = {
  { "report",         options_set_report },
  { "format",         options_set_format },
  { "output",         options_set_output },
  { "backtrace",      options_set_backtrace },
  { "ledger",         options_set_ledger },
  { "all-cycles",     options_set_all_cycles },
  { "summary",        options_set_summary },
  { "children",       options_set_children },
  { "error-exitcode", options_set_error_exitcode },
  { "error-on",       options_set_error_on },
  { "fields",         options_set_fields },
  { "snapshot",       options_set_snapshot },
  { "snapshot-output", options_set_snapshot_output },
};

const char *
ouro_options_known_keys (void)
{
  return "report, format, output, backtrace, ledger, all-cycles, summary, "
         "children, error-exitcode, error-on, fields, snapshot, snapshot-output";
}

void
ouro_options_init (OuroOptions *options)
{
  memset (options, 0, sizeof *options);
  options->report = OURO_OPTIONS_REPORT_EXIT | OURO_OPTIONS_REPORT_SIGNAL;
  options->format = OURO_OPTIONS_FORMAT_TEXT;
  options->backtrace = 1;
  options->ledger = TRUE;
  options->summary = TRUE;
  options->fields = OURO_OPTIONS_FIELDS_PROGRAM;
  options->snapshot = OURO_OPTIONS_REPORT_SIGNAL;
  options->snapshot_output = g_strdup ("ouro-snapshot.%p.%n.json");
}

void
ouro_options_clear (OuroOptions *options)
{
  g_clear_pointer (&options->output, g_free);
  g_clear_pointer (&options->snapshot_output, g_free);
}

static gboolean
options_is_separator (char c)
{
  return c == ':' || c == ',' || g_ascii_isspace (c);
}

/* A printable rendering of untrusted text for a message. */
static char *
options_quote (const char *text,
               gsize       length)
{
  GString *out = g_string_new ("'");

  for (gsize i = 0; i < length && i < 64; i++)
    {
      guchar c = (guchar) text[i];
      if (c >= 0x20 && c < 0x7f && c != '\'')
        g_string_append_c (out, (char) c);
      else
        g_string_append_printf (out, "\\x%02x", c);
    }
  if (length > 64)
    g_string_append (out, "...");
  g_string_append_c (out, '\'');
  return g_string_free (out, FALSE);
}

/* Adds "'KEY': @problem" to @warnings. */
static void
options_warn_key (GPtrArray  *warnings,
                  const char *key,
                  gsize       key_length,
                  const char *problem)
{
  g_autofree char *quoted = options_quote (key, key_length);

  g_ptr_array_add (warnings, g_strdup_printf ("%s: %s", quoted, problem));
}

static void
options_apply (OuroOptions *options,
               const char  *key,
               gsize        key_length,
               const char  *value,
               GPtrArray   *warnings)
{
  g_autofree char *quoted_key = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (options_keys); i++)
    {
      char *problem = NULL;

      if (strlen (options_keys[i].key) != key_length
          || strncmp (options_keys[i].key, key, key_length) != 0)
        continue;
      if (!options_keys[i].set (options, value, &problem))
        {
          g_autofree char *quoted_value = options_quote (value, strlen (value));
          g_ptr_array_add (warnings, g_strdup_printf ("%s=%s: %s; keeping the default",
                                                      options_keys[i].key, quoted_value,
                                                      problem));
          g_free (problem);
        }
      return;
    }
  quoted_key = options_quote (key, key_length);
  g_ptr_array_add (warnings, g_strdup_printf ("unknown option %s (known: %s)",
                                              quoted_key, ouro_options_known_keys ()));
}

gboolean
ouro_options_parse (OuroOptions *options,
                    const char  *text,
                    GPtrArray   *warnings)
{
  guint n_warnings_before;
  const char *p = text;

  g_return_val_if_fail (options != NULL, FALSE);
  g_return_val_if_fail (warnings != NULL, FALSE);

  n_warnings_before = warnings->len;
  if (text == NULL)
    return TRUE;

  /* Invariant: p is at the start of a setting or at separators before
   * one; every iteration consumes at least one byte. */
  while (*p != '\0')
    {
      const char *key, *key_end;
      GString *value;
      gboolean bad = FALSE;

      if (options_is_separator (*p))
        {
          p++;
          continue;
        }
      key = p;
      while (*p != '\0' && *p != '=' && !options_is_separator (*p))
        p++;
      key_end = p;
      if (*p != '=')
        {
          options_warn_key (warnings, key, (gsize) (key_end - key), "expected key=value");
          continue;
        }
      p++;   /* '=' */

      value = g_string_new (NULL);
      if (*p == '\'' || *p == '"')
        {
          char quote = *p++;
          while (*p != '\0' && *p != quote)
            g_string_append_c (value, *p++);
          if (*p == quote)
            p++;
          else
            {
              options_warn_key (warnings, key, (gsize) (key_end - key), "unterminated quote");
              bad = TRUE;
            }
          if (!bad && *p != '\0' && !options_is_separator (*p))
            {
              options_warn_key (warnings, key, (gsize) (key_end - key),
                                "text after the closing quote");
              bad = TRUE;
              while (*p != '\0' && !options_is_separator (*p))
                p++;
            }
        }
      else
        while (*p != '\0' && !options_is_separator (*p))
          g_string_append_c (value, *p++);

      if (!bad && value->len > OPTIONS_MAX_VALUE)
        {
          g_autofree char *problem = g_strdup_printf ("value longer than %d bytes",
                                                      OPTIONS_MAX_VALUE);
          options_warn_key (warnings, key, (gsize) (key_end - key), problem);
        }
      else if (!bad)
        options_apply (options, key, (gsize) (key_end - key), value->str, warnings);
      g_string_free (value, TRUE);
    }
  return warnings->len == n_warnings_before;
}
