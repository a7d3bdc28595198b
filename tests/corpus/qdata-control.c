/* qdata-control.c — corpus program, a control: a cycle of object data
 * that Ouro sees without new features.
 *
 * A NotesDocument keeps its NotesUndoManager as object data, and the
 * manager keeps its document as object data too.  Usage:
 * corpus-qdata-control leaky|clean.  Both make a document, record an
 * edit, drop the document and exit 0.
 *   leaky  the manager's "document" data is g_object_ref (document) with
 *          g_object_unref as its destroy notify: each holds the other
 *   clean  the manager borrows its document (g_object_set_data (), no
 *          reference): the document owns the manager and outlives it
 */
#include <glib-object.h>

#include "corpus.h"

#define NOTES_TYPE_UNDO_MANAGER (notes_undo_manager_get_type ())
G_DECLARE_FINAL_TYPE (NotesUndoManager, notes_undo_manager, NOTES, UNDO_MANAGER, GObject)

struct _NotesUndoManager
{
  GObject parent_instance;
  guint   n_steps;
};

G_DEFINE_FINAL_TYPE (NotesUndoManager, notes_undo_manager, G_TYPE_OBJECT)

static void notes_undo_manager_class_init (NotesUndoManagerClass *klass) { }
static void notes_undo_manager_init (NotesUndoManager *self) { }

#define NOTES_TYPE_DOCUMENT (notes_document_get_type ())
G_DECLARE_DERIVABLE_TYPE (NotesDocument, notes_document, NOTES, DOCUMENT, GObject)

struct _NotesDocumentClass
{
  GObjectClass parent_class;
};

typedef struct
{
  char *title;
} NotesDocumentPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (NotesDocument, notes_document, G_TYPE_OBJECT)

static gboolean leaky;

static void
notes_document_finalize (GObject *object)
{
  NotesDocumentPrivate *priv = notes_document_get_instance_private (NOTES_DOCUMENT (object));

  g_free (priv->title);
  G_OBJECT_CLASS (notes_document_parent_class)->finalize (object);
}

static void
notes_document_class_init (NotesDocumentClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = notes_document_finalize;
}

static void
notes_document_init (NotesDocument *self)
{
  NotesDocumentPrivate *priv = notes_document_get_instance_private (self);
  NotesUndoManager *manager = g_object_new (NOTES_TYPE_UNDO_MANAGER, NULL);

  priv->title = g_strdup ("groceries.txt");
  g_object_set_data_full (G_OBJECT (self), "undo-manager", manager, g_object_unref);
  if (leaky)
    g_object_set_data_full (G_OBJECT (manager), "document", g_object_ref (self),
                            g_object_unref);
  else
    g_object_set_data (G_OBJECT (manager), "document", self);
}

static void
notes_document_edit (NotesDocument *self)
{
  NotesUndoManager *manager = g_object_get_data (G_OBJECT (self), "undo-manager");

  manager->n_steps++;
}

int
main (int    argc,
      char **argv)
{
  NotesDocument *document;

  leaky = corpus_parse_leaky (argc, argv);
  document = g_object_new (NOTES_TYPE_DOCUMENT, NULL);
  notes_document_edit (document);
  g_object_unref (document);
  corpus_settle ();
  return 0;
}
