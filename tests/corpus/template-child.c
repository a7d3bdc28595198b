/* template-child.c — corpus program: a template child whose signal handler
 * holds the templated widget.
 *
 * NotesEditor is a GtkBox built from a GtkBuilder template in a GResource,
 * with its children bound into a private struct.  Usage:
 * corpus-template-child leaky|clean.  Both show an editor in a window,
 * close it and exit 0.
 *   leaky  the save button's "clicked" handler is connected with
 *          g_object_ref (self) as its data: the button holds the editor,
 *          the editor holds the button (its child, and its template's), and
 *          the editor's dispose, which would drop both, never runs
 *   clean  the handler is connected with g_signal_connect_object (as a
 *          <signal> in the template would be): the editor goes with its
 *          window
 * GTK keeps every bound template child in a table of its own besides the
 * widget tree, so the button has one reference more than its parent's.
 */
#include <gtk/gtk.h>

#include "corpus-gtk.h"
#include "corpus.h"

#define NOTES_TYPE_EDITOR (notes_editor_get_type ())
G_DECLARE_DERIVABLE_TYPE (NotesEditor, notes_editor, NOTES, EDITOR, GtkBox)

struct _NotesEditorClass
{
  GtkBoxClass parent_class;
};

typedef struct
{
  GtkWidget *save_button;
  GtkWidget *status_label;
  guint      n_saves;
} NotesEditorPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (NotesEditor, notes_editor, GTK_TYPE_BOX)

static gboolean leaky;

static void
on_save_clicked (GtkButton   *button,
                 NotesEditor *self)
{
  NotesEditorPrivate *priv = notes_editor_get_instance_private (self);
  g_autofree char *status = g_strdup_printf ("Saved %u times", ++priv->n_saves);

  gtk_label_set_label (GTK_LABEL (priv->status_label), status);
}

static void
notes_editor_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), NOTES_TYPE_EDITOR);
  G_OBJECT_CLASS (notes_editor_parent_class)->dispose (object);
}

static void
notes_editor_class_init (NotesEditorClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = notes_editor_dispose;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/ouro/corpus/template-child.ui");
  gtk_widget_class_bind_template_child_private (widget_class, NotesEditor, save_button);
  gtk_widget_class_bind_template_child_private (widget_class, NotesEditor, status_label);
}

static void
notes_editor_init (NotesEditor *self)
{
  NotesEditorPrivate *priv = notes_editor_get_instance_private (self);

  gtk_widget_init_template (GTK_WIDGET (self));
  if (leaky)
    g_signal_connect_data (priv->save_button, "clicked", G_CALLBACK (on_save_clicked),
                           g_object_ref (self), (GClosureNotify) g_object_unref, 0);
  else
    g_signal_connect_object (priv->save_button, "clicked", G_CALLBACK (on_save_clicked),
                             self, 0);
}

int
main (int    argc,
      char **argv)
{
  leaky = corpus_parse_leaky (argc, argv);
  gtk_init ();
  corpus_show_in_window (g_object_new (NOTES_TYPE_EDITOR, NULL));
  return 0;
}
