/* fuzz-snapshot-load.c — fuzzes reading a snapshot back: the JSON reader
 * and the snapshot loader on top of it (ouro_snapshot_new_from_json,
 * detector/ouro-snapshot-json.c), which `ouro diff` runs on files from
 * someone else's machine.
 *
 * Not thread safe (one input at a time).  Per input:
 *   1. ouro_snapshot_new_from_json (); on failure the error must be in
 *      OURO_SNAPSHOT_ERROR with a message;
 *   2. on success the accessors must agree with each other (the counts
 *      add up to n_tracked, the sizes to the total), and the JSON it
 *      writes must load again and write the same bytes;
 *   3. compared with an empty snapshot both ways (the growth table, the
 *      comparison by type and by site as text and as JSON, limited and
 *      not), text must come.
 * A broken promise aborts (g_error), as do GLib criticals and warnings.
 */
#include <string.h>

#include "ouro.h"

#include "fuzz-harness.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  GError *error = NULL;
  OuroSnapshot *snapshot, *again, *empty;
  char *json, *json_again, *text;

  fuzz_harness_init ();
  snapshot = ouro_snapshot_new_from_json ((const char *) data, (gssize) size, &error);
  if (snapshot == NULL)
    {
      if (error == NULL || error->domain != OURO_SNAPSHOT_ERROR || error->message[0] == '\0')
        g_error ("refused without an OURO_SNAPSHOT_ERROR message");
      g_error_free (error);
      return 0;
    }
  if (error != NULL)
    g_error ("loaded, with an error set: %s", error->message);

  json = ouro_snapshot_to_json (snapshot);
  again = ouro_snapshot_new_from_json (json, -1, &error);
  if (again == NULL)
    g_error ("what the library wrote does not load: %s\n%s", error->message, json);
  json_again = ouro_snapshot_to_json (again);
  if (strcmp (json, json_again) != 0)
    g_error ("written twice, two texts:\n%s\n%s", json, json_again);
  if (ouro_snapshot_get_n_tracked (again) != ouro_snapshot_get_n_tracked (snapshot)
      || ouro_snapshot_get_total_size (again) != ouro_snapshot_get_total_size (snapshot))
    g_error ("read back, other totals");

  empty = ouro_snapshot_new_from_json ("{\"format\": \"ouro-snapshot\", \"version\": 1, "
                                       "\"n_tracked\": 0, \"size\": 0, \"types\": []}", -1, NULL);
  for (guint way = 0; way < 2; way++)
    {
      OuroSnapshot *before = way == 0 ? empty : snapshot;
      OuroSnapshot *after = way == 0 ? snapshot : empty;

      text = ouro_snapshot_diff_to_text (before, after);
      g_free (text);
      for (OuroSnapshotGroup by = OURO_SNAPSHOT_BY_TYPE; by <= OURO_SNAPSHOT_BY_SITE; by++)
        {
          text = ouro_snapshot_compare_to_text (before, after, by, way);
          g_free (text);
          text = ouro_snapshot_compare_to_json (before, after, by, 1 - way);
          g_free (text);
        }
    }

  ouro_snapshot_free (empty);
  ouro_snapshot_free (again);
  ouro_snapshot_free (snapshot);
  g_free (json_again);
  g_free (json);
  return 0;
}
