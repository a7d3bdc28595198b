/* ouro-report.c — reading an OuroReport, and freeing it.
 *
 * MT safe for readers: a report is immutable except for the address-sorted
 * garbage array, which the first ouro_report_is_garbage() sorts under a
 * g_once guard.
 */
#include "config.h"

#include <stdlib.h>

#include "ouro-report-private.h"
#include "ouro-report.h"

void
ouro_report_object_clear (OuroReportObject *object)
{
  g_clear_pointer (&object->description, g_free);
  g_clear_pointer (&object->address, g_free);
  for (guint i = 0; i < object->n_sites; i++)
    g_strfreev (object->sites[i].frames);
  g_clear_pointer (&object->sites, g_free);
  object->n_sites = 0;
  for (guint i = 0; i < object->n_holders; i++)
    {
      g_free (object->holders[i].holder);
      g_free (object->holders[i].note);
      g_strfreev (object->holders[i].frames);
    }
  g_clear_pointer (&object->holders, g_free);
  object->n_holders = 0;
}

const char *
ouro_report_object_address (const OuroReportObject *object,
                            char                    buffer[32])
{
  if (object->address != NULL)
    return object->address;
  g_snprintf (buffer, 32, "%p", object->object);
  return buffer;
}

/**
 * ouro_report_free:
 * @report: (nullable): a report
 *
 * Frees @report.  g_autoptr(OuroReport) calls it.
 */
void
ouro_report_free (OuroReport *report)
{
  if (report == NULL)
    return;

  for (guint c = 0; c < report->n_cycles; c++)
    {
      OuroReportCycle *cycle = &report->cycles[c];

      for (guint i = 0; i < cycle->n_members; i++)
        ouro_report_object_clear (&cycle->members[i]);
      for (guint i = 0; i < cycle->n_held; i++)
        ouro_report_object_clear (&cycle->held[i]);
      g_free (cycle->members);
      g_free (cycle->held);
      g_free (cycle->members_past);
      g_free (cycle->held_past);
      g_free (cycle->edges);
    }
  for (guint i = 0; i < report->n_inconsistent; i++)
    ouro_report_object_clear (&report->inconsistent[i]);
  for (guint i = 0; i < report->n_roots_listed; i++)
    ouro_report_object_clear (&report->roots[i]);
  g_free (report->cycles);
  g_free (report->inconsistent);
  g_free (report->roots);
  g_free (report->alive_by_type);
  g_free (report->garbage_sorted);
  if (report->strings != NULL)
    g_string_chunk_free (report->strings);
  if (report->late != NULL)
    g_array_unref (report->late);
  g_free (report);
}

/**
 * ouro_report_get_n_garbage:
 *
 * Returns: how many objects are garbage: in garbage cycles or held only by
 *   them
 */
guint
ouro_report_get_n_garbage (OuroReport *report)
{
  g_return_val_if_fail (report != NULL, 0);
  return report->n_garbage;
}

/**
 * ouro_report_get_n_tracked:
 *
 * Returns: how many objects were tracked when the scan ran
 */
guint
ouro_report_get_n_tracked (OuroReport *report)
{
  g_return_val_if_fail (report != NULL, 0);
  return report->n_tracked;
}

static int
report_compare_pointers (const void *a,
                         const void *b)
{
  guintptr pa = (guintptr) *(gpointer const *) a;
  guintptr pb = (guintptr) *(gpointer const *) b;

  return pa < pb ? -1 : pa > pb;
}

/**
 * ouro_report_is_garbage:
 * @object: any pointer
 *
 * In a report read from JSON, only the garbage the JSON lists (at most
 * 1000 members and 1000 held objects per cycle) with an address that
 * parses is known.
 *
 * Returns: whether @object was found to be garbage
 */
gboolean
ouro_report_is_garbage (OuroReport *report,
                        gpointer    object)
{
  g_return_val_if_fail (report != NULL, FALSE);

  if (g_once_init_enter (&report->garbage_sort_once))
    {
      qsort (report->garbage_sorted, report->n_garbage_sorted, sizeof (gpointer),
             report_compare_pointers);
      g_once_init_leave (&report->garbage_sort_once, 1);
    }

  return bsearch (&object, report->garbage_sorted, report->n_garbage_sorted,
                  sizeof (gpointer), report_compare_pointers) != NULL;
}

/**
 * ouro_report_get_n_cycles:
 *
 * Returns: how many cycles the report lists: garbage cycles first, then,
 *   with %OURO_SCAN_ALL_CYCLES, cycles among live objects
 */
guint
ouro_report_get_n_cycles (OuroReport *report)
{
  g_return_val_if_fail (report != NULL, 0);
  return report->n_cycles;
}

/**
 * ouro_report_cycle_is_garbage:
 *
 * Returns: whether @cycle is garbage (nothing outside holds it)
 */
gboolean
ouro_report_cycle_is_garbage (OuroReport *report,
                              guint       cycle)
{
  g_return_val_if_fail (report != NULL, FALSE);
  g_return_val_if_fail (cycle < report->n_cycles, FALSE);
  return report->cycles[cycle].garbage;
}

/**
 * ouro_report_cycle_is_probable:
 *
 * Returns: whether @cycle is probable garbage: nothing outside holds it
 *   when the candidate references (pointer fields read from memory) of an
 *   %OURO_SCAN_PROBABLE scan are counted.  Such a cycle is never garbage
 *   (ouro_report_cycle_is_garbage () says %FALSE) and never collected.
 */
gboolean
ouro_report_cycle_is_probable (OuroReport *report,
                               guint       cycle)
{
  g_return_val_if_fail (report != NULL, FALSE);
  g_return_val_if_fail (cycle < report->n_cycles, FALSE);
  return report->cycles[cycle].probable;
}

/**
 * ouro_report_get_n_probable:
 *
 * Returns: how many objects are probable garbage and not garbage: in
 *   probable cycles or held only by them (0 unless the scan had
 *   %OURO_SCAN_PROBABLE)
 */
guint
ouro_report_get_n_probable (OuroReport *report)
{
  g_return_val_if_fail (report != NULL, 0);
  return report->n_probable;
}

/**
 * ouro_report_get_n_probable_cycles:
 *
 * Returns: how many of the report's cycles are probable ones; they come
 *   right after the garbage cycles
 */
guint
ouro_report_get_n_probable_cycles (OuroReport *report)
{
  g_return_val_if_fail (report != NULL, 0);
  return report->n_probable_cycles;
}

/**
 * ouro_report_get_cycle_size:
 *
 * Returns: how many objects form @cycle (not counting those it only holds)
 */
guint
ouro_report_get_cycle_size (OuroReport *report,
                            guint       cycle)
{
  g_return_val_if_fail (report != NULL, 0);
  g_return_val_if_fail (cycle < report->n_cycles, 0);
  return report->cycles[cycle].n_members_total;
}

/**
 * ouro_report_get_cycle_object:
 *
 * Returns: (transfer none): member @index of @cycle, in cycle order from
 *   the canonical member (the one tracked first).  The pointer is only
 *   valid while the object lives.  In a report read from JSON: NULL for
 *   a member past the listed ones, or whose address did not parse.
 */
gpointer
ouro_report_get_cycle_object (OuroReport *report,
                              guint       cycle,
                              guint       index)
{
  OuroReportBrief member;

  g_return_val_if_fail (report != NULL, NULL);
  g_return_val_if_fail (cycle < report->n_cycles, NULL);
  g_return_val_if_fail (index < report->cycles[cycle].n_members_total, NULL);
  return ouro_report_cycle_member_brief (&report->cycles[cycle], index, &member) ? member.object
                                                                                : NULL;
}

/**
 * ouro_report_get_cycle_n_held:
 *
 * Returns: how many garbage objects in no cycle are listed under @cycle
 */
guint
ouro_report_get_cycle_n_held (OuroReport *report,
                              guint       cycle)
{
  g_return_val_if_fail (report != NULL, 0);
  g_return_val_if_fail (cycle < report->n_cycles, 0);
  return report->cycles[cycle].n_held_total;
}

/**
 * ouro_report_get_cycle_weak_edge:
 * @out_from: (out) (optional): member index of the edge's source
 * @out_to: (out) (optional): member index of the edge's target
 * @out_label: (out) (optional) (transfer none): the edge's label
 *
 * The edge Ouro suggests making weak to break @cycle: the one that closes
 * the cycle back onto its canonical member.
 *
 * Returns: whether there is a suggestion
 */
gboolean
ouro_report_get_cycle_weak_edge (OuroReport  *report,
                                 guint        cycle,
                                 guint       *out_from,
                                 guint       *out_to,
                                 const char **out_label)
{
  const OuroReportCycle *c;
  const OuroReportEdge *edge;

  g_return_val_if_fail (report != NULL, FALSE);
  g_return_val_if_fail (cycle < report->n_cycles, FALSE);

  c = &report->cycles[cycle];
  if (c->weak_edge < 0)
    return FALSE;
  edge = &c->edges[c->weak_edge];
  if (out_from != NULL)
    *out_from = edge->from;
  if (out_to != NULL)
    *out_to = edge->to;
  if (out_label != NULL)
    *out_label = edge->label;
  return TRUE;
}

/**
 * ouro_report_get_n_inconsistent:
 *
 * Returns: how many objects were visited more often than their refcount
 *   allows: their class's traverse reports a weak or borrowed pointer as a
 *   strong reference.  They are treated as live.
 */
guint
ouro_report_get_n_inconsistent (OuroReport *report)
{
  g_return_val_if_fail (report != NULL, 0);
  return report->n_inconsistent;
}

/**
 * ouro_report_get_n_unconfirmed:
 *
 * Returns: how many garbage candidates read differently the second time a
 *   scan read them (their refcount or references changed: another thread
 *   was at work).  They and what they hold are treated as live; the next
 *   scan looks again.  Always 0 in a report read from JSON.
 */
guint
ouro_report_get_n_unconfirmed (OuroReport *report)
{
  g_return_val_if_fail (report != NULL, 0);
  return report->n_changed;
}

/**
 * ouro_report_get_inconsistent_object:
 *
 * Returns: (transfer none): inconsistent object @index, in tracking order
 */
gpointer
ouro_report_get_inconsistent_object (OuroReport *report,
                                     guint       index)
{
  g_return_val_if_fail (report != NULL, NULL);
  g_return_val_if_fail (index < report->n_inconsistent, NULL);
  return report->inconsistent[index].object;
}

/**
 * ouro_report_get_n_alive_types:
 *
 * Returns: how many types the live summary counts (0 without
 *   %OURO_SCAN_LIVE_SUMMARY)
 */
guint
ouro_report_get_n_alive_types (OuroReport *report)
{
  g_return_val_if_fail (report != NULL, 0);
  return report->n_alive_types;
}

/**
 * ouro_report_get_alive_type:
 * @index: below ouro_report_get_n_alive_types ()
 * @out_count: (out) (optional): how many live objects have that type
 *
 * Live objects are the tracked ones that are neither garbage nor being
 * finalized (refcount 0).  Types come most numerous first, then by name.
 *
 * Returns: (transfer none): the type name, valid as long as @report
 */
const char *
ouro_report_get_alive_type (OuroReport *report,
                            guint       index,
                            guint      *out_count)
{
  g_return_val_if_fail (report != NULL, NULL);
  g_return_val_if_fail (index < report->n_alive_types, NULL);
  if (out_count != NULL)
    *out_count = report->alive_by_type[index].count;
  return report->alive_by_type[index].type_name;
}

/**
 * ouro_report_get_n_roots:
 *
 * Returns: how many live objects are held from outside the tracked ones
 *   (refcount above the references found), all of them, even past the
 *   1000 the report lists (0 without %OURO_SCAN_LIVE_SUMMARY)
 */
guint
ouro_report_get_n_roots (OuroReport *report)
{
  g_return_val_if_fail (report != NULL, 0);
  return report->n_roots;
}

/**
 * ouro_report_get_root_object:
 * @index: below the number of roots listed: ouro_report_get_n_roots (), at
 *   most 1000
 *
 * Returns: (transfer none): root @index, in tracking order.  The pointer
 *   is only valid while the object lives (in a report read from JSON, it
 *   is another process's address, or NULL when it did not parse).
 */
gpointer
ouro_report_get_root_object (OuroReport *report,
                             guint       index)
{
  g_return_val_if_fail (report != NULL, NULL);
  g_return_val_if_fail (index < report->n_roots_listed, NULL);
  return report->roots[index].object;
}

/**
 * ouro_report_get_n_own_roots:
 *
 * Returns: how many of the roots are the program's own objects (see
 *   ouro_set_own_func ()), listed or not: what a program leaks without a
 *   cycle shows here, held by references nothing tracked explains
 */
guint
ouro_report_get_n_own_roots (OuroReport *report)
{
  g_return_val_if_fail (report != NULL, 0);
  return report->n_own_roots;
}

/**
 * ouro_report_root_is_own:
 * @index: below the number of roots listed
 *
 * Returns: whether root @index is one of the program's own objects
 */
gboolean
ouro_report_root_is_own (OuroReport *report,
                         guint       index)
{
  g_return_val_if_fail (report != NULL, FALSE);
  g_return_val_if_fail (index < report->n_roots_listed, FALSE);
  return report->roots[index].own;
}

guint
ouro_report_count_objects_in_cycles (OuroReport *report,
                                     gboolean    garbage)
{
  guint n = 0;

  for (guint c = 0; c < report->n_cycles; c++)
    if (report->cycles[c].garbage == garbage)
      n += report->cycles[c].n_members_total;
  return n;
}
