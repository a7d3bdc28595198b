/* fuzz-report-load.c — fuzzes reading a report back: the JSON reader
 * (ouro_json_parse, detector/ouro-json-reader.c) and the report loader on
 * top of it (ouro_report_new_from_json, detector/ouro-report-load.c), the
 * code `ouro report FILE.json` runs on files from someone else's build.
 *
 * Not thread safe (one input at a time).  Per input:
 *   1. ouro_json_parse (); on success every value of the tree is read
 *      through the accessors, which must agree with each other (string
 *      lengths and terminators, object lookups, positions from 1);
 *   2. ouro_report_new_from_json (); on failure the error must be in
 *      OURO_REPORT_ERROR with a message; on success every accessor is
 *      called within the counts the report gives, the text, JSON and DOT
 *      writers run, and the JSON it writes must load again and write the
 *      same text, JSON and DOT (a loaded report upholds a built one's
 *      invariants, and what the library writes always loads).
 * A broken promise aborts (g_error), as do GLib criticals and warnings:
 * the parsers must never hit their own g_return_if_fail guards.
 */
#include <math.h>
#include <string.h>

#include "ouro-json-reader-private.h"
#include "ouro.h"

#include "fuzz-harness.h"

/* Accessor loops stop here: counts come from the input. */
#define FUZZ_MAX_LISTED 1001
/* ouro_report_get_root_object () takes indices below this (and n_roots). */
#define FUZZ_ROOTS_LISTED 1000

/* Whether @string (@length bytes) is UTF-8 where NULs may appear, as in
 * the reader's strings (\u0000). */
static gboolean
fuzz_utf8_with_nuls (const char *string,
                     gsize       length)
{
  for (gsize start = 0; start <= length; )
    {
      gsize end = start + strnlen (string + start, length - start);
      if (!g_utf8_validate_len (string + start, end - start, NULL))
        return FALSE;
      start = end + 1;
    }
  return TRUE;
}

/* After it: @value and everything under it were read and found consistent;
 * @depth bounds the recursion (the reader refuses nesting past
 * OURO_JSON_MAX_DEPTH). */
static void
fuzz_walk_json (const OuroJsonValue *value,
                guint                depth)
{
  OuroJsonType type = ouro_json_value_get_type (value);
  gsize length = 0;
  const char *string;

  if (depth > OURO_JSON_MAX_DEPTH + 1)
    g_error ("a tree deeper than OURO_JSON_MAX_DEPTH was accepted");
  if (ouro_json_value_get_line (value) < 1 || ouro_json_value_get_column (value) < 1)
    g_error ("a position is not from 1");
  if (ouro_json_type_describe (type) == NULL)
    g_error ("no description for type %d", type);

  switch (type)
    {
    case OURO_JSON_NULL:
      break;
    case OURO_JSON_BOOLEAN:
      (void) ouro_json_value_get_boolean (value);
      break;
    case OURO_JSON_INTEGER:
      if ((double) ouro_json_value_get_integer (value) != ouro_json_value_get_double (value))
        g_error ("an integer's double is not the integer");
      break;
    case OURO_JSON_DOUBLE:
      if (!isfinite (ouro_json_value_get_double (value)))
        g_error ("a number that is not finite was accepted");
      break;
    case OURO_JSON_STRING:
      string = ouro_json_value_get_string (value, &length);
      if (string[length] != '\0' || !fuzz_utf8_with_nuls (string, length))
        g_error ("a string is not terminated or not UTF-8");
      break;
    case OURO_JSON_ARRAY:
      for (gsize i = 0; i < ouro_json_array_get_length (value); i++)
        fuzz_walk_json (ouro_json_array_get (value, i), depth + 1);
      break;
    case OURO_JSON_OBJECT:
      for (gsize i = 0; i < ouro_json_object_get_size (value); i++)
        {
          const char *key = ouro_json_object_get_key (value, i, &length);
          const OuroJsonValue *member = ouro_json_object_get_value (value, i);

          if (key[length] != '\0' || !fuzz_utf8_with_nuls (key, length))
            g_error ("a key is not terminated or not UTF-8");
          /* Keys are unique, so a key without NULs finds its own value. */
          if (strlen (key) == length && ouro_json_object_lookup (value, key) != member)
            g_error ("lookup of key \"%s\" does not find its member", key);
          fuzz_walk_json (member, depth + 1);
        }
      break;
    default:
      g_error ("unknown type %d", type);
    }
}

/* Calls every accessor of @report within its counts, and the fingerprint
 * of each cycle; nothing to check but that they return. */
static void
fuzz_read_report (OuroReport *report)
{
  guint n_cycles = ouro_report_get_n_cycles (report);

  (void) ouro_report_get_n_garbage (report);
  (void) ouro_report_get_n_tracked (report);
  (void) ouro_report_get_n_unconfirmed (report);
  for (guint c = 0; c < n_cycles && c < FUZZ_MAX_LISTED; c++)
    {
      guint size = ouro_report_get_cycle_size (report, c);
      guint from = 0, to = 0;
      const char *label = NULL;
      gboolean garbage = ouro_report_cycle_is_garbage (report, c);

      (void) ouro_report_get_cycle_n_held (report, c);
      if (ouro_report_get_cycle_weak_edge (report, c, &from, &to, &label)
          && (from >= size || to >= size || label == NULL))
        g_error ("cycle %u: a weak edge outside the cycle", c);
      g_free (ouro_report_get_cycle_fingerprint (report, c));
      for (guint i = 0; i < size && i < FUZZ_MAX_LISTED; i++)
        {
          gpointer object = ouro_report_get_cycle_object (report, c, i);
          if (object != NULL && garbage && !ouro_report_is_garbage (report, object))
            g_error ("cycle %u is garbage, its member %u is not", c, i);
        }
    }
  for (guint i = 0; i < ouro_report_get_n_inconsistent (report) && i < FUZZ_MAX_LISTED; i++)
    (void) ouro_report_get_inconsistent_object (report, i);
  for (guint i = 0; i < ouro_report_get_n_alive_types (report) && i < FUZZ_MAX_LISTED; i++)
    {
      guint count = 0;
      if (ouro_report_get_alive_type (report, i, &count) == NULL)
        g_error ("alive type %u has no name", i);
    }
  for (guint i = 0; i < ouro_report_get_n_roots (report) && i < FUZZ_ROOTS_LISTED; i++)
    (void) ouro_report_get_root_object (report, i);
  (void) ouro_report_is_garbage (report, NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  GError *error = NULL;
  OuroJson *json;
  gboolean is_json;
  OuroReport *report, *again;
  char *text, *written, *dot, *text2, *written2, *dot2;

  fuzz_harness_init ();

  json = ouro_json_parse ((const char *) data, size, &error);
  is_json = json != NULL;
  if (is_json)
    {
      fuzz_walk_json (ouro_json_get_root (json), 1);
      ouro_json_free (json);
    }
  else if (error == NULL || error->domain != OURO_JSON_ERROR || error->message == NULL)
    g_error ("ouro_json_parse failed without an OURO_JSON_ERROR");
  g_clear_error (&error);

  report = ouro_report_new_from_json ((const char *) data, (gssize) size, &error);
  if (report == NULL)
    {
      if (error == NULL || error->domain != OURO_REPORT_ERROR || error->message == NULL)
        g_error ("ouro_report_new_from_json failed without an OURO_REPORT_ERROR");
      if (!is_json != (error->code == OURO_REPORT_ERROR_SYNTAX))
        g_error ("the reader and the loader disagree on whether this is JSON: %s",
                 error->message);
      g_error_free (error);
      return 0;
    }
  if (!is_json)
    g_error ("a report loaded from what the JSON reader refuses");

  fuzz_read_report (report);
  text = ouro_report_to_text (report);
  written = ouro_report_to_json (report);
  dot = ouro_report_to_dot (report);

  again = ouro_report_new_from_json (written, -1, &error);
  if (again == NULL)
    g_error ("the JSON written from a loaded report does not load: %s\n%s",
             error->message, written);
  fuzz_read_report (again);
  text2 = ouro_report_to_text (again);
  written2 = ouro_report_to_json (again);
  dot2 = ouro_report_to_dot (again);
  if (strcmp (text, text2) != 0)
    g_error ("text differs after a round trip:\n%s\n----\n%s", text, text2);
  if (strcmp (written, written2) != 0)
    g_error ("JSON differs after a round trip:\n%s\n----\n%s", written, written2);
  if (strcmp (dot, dot2) != 0)
    g_error ("DOT differs after a round trip:\n%s\n----\n%s", dot, dot2);

  g_free (text);
  g_free (written);
  g_free (dot);
  g_free (text2);
  g_free (written2);
  g_free (dot2);
  ouro_report_free (again);
  ouro_report_free (report);
  return 0;
}
