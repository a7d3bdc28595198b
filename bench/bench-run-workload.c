/* bench-run-workload.c — a GObject-heavy program for bench-run: it never
 * links Ouro, so bench-run can time it plain and under `ouro run`.
 *
 * Single-threaded.  Usage: bench-run-workload [ROUNDS] [OBJECTS]
 * Each round builds OBJECTS documents, each owning a child through object
 * data and listening to it with a handler that holds the document weakly
 * (g_signal_connect_object), emits, takes and drops temporary references,
 * then frees them all.  What it does per object is typical of GTK code:
 * 2 constructions, 1 connect, 1 qdata set, 3 emissions, 6 ref/unref pairs.
 * 1000 documents stay alive at exit, so the exit report has work.
 */
#include <stdlib.h>

#include <glib-object.h>

#define WL_TYPE_ITEM (wl_item_get_type ())
G_DECLARE_FINAL_TYPE (WlItem, wl_item, WL, ITEM, GObject)
struct _WlItem { GObject parent_instance; guint changes; };
G_DEFINE_FINAL_TYPE (WlItem, wl_item, G_TYPE_OBJECT)

static guint wl_item_changed_signal;

static void
wl_item_class_init (WlItemClass *klass)
{
  wl_item_changed_signal = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                         G_TYPE_NONE, 0);
}

static void
wl_item_init (WlItem *self)
{
}

static void
on_changed (WlItem *child,
            WlItem *document)
{
  document->changes++;
}

static WlItem *
wl_document_new (void)
{
  WlItem *document = g_object_new (WL_TYPE_ITEM, NULL);
  WlItem *child = g_object_new (WL_TYPE_ITEM, NULL);

  g_object_set_data_full (G_OBJECT (document), "child", child, g_object_unref);
  g_signal_connect_object (child, "changed", G_CALLBACK (on_changed), document, 0);
  return document;
}

static void
wl_document_touch (WlItem *document)
{
  WlItem *child = g_object_get_data (G_OBJECT (document), "child");

  for (int i = 0; i < 3; i++)
    {
      WlItem *held = g_object_ref (document);
      g_object_ref (child);
      g_signal_emit (child, wl_item_changed_signal, 0);
      g_object_unref (child);
      g_object_unref (held);
    }
}

int
main (int    argc,
      char **argv)
{
  guint rounds = argc > 1 ? (guint) strtoul (argv[1], NULL, 10) : 10;
  guint n = argc > 2 ? (guint) strtoul (argv[2], NULL, 10) : 20000;
  WlItem **documents = g_new (WlItem *, n);
  guint64 changes = 0;

  for (guint round = 0; round < rounds; round++)
    {
      for (guint i = 0; i < n; i++)
        documents[i] = wl_document_new ();
      for (guint i = 0; i < n; i++)
        wl_document_touch (documents[i]);
      for (guint i = 0; i < n; i++)
        {
          changes += documents[i]->changes;
          if (round + 1 < rounds || i >= 1000)
            g_object_unref (documents[i]);
        }
    }
  g_free (documents);
  return changes == (guint64) rounds * n * 3 ? 0 : 1;
}
