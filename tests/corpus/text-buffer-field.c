/* text-buffer-field.c — corpus program: a cycle through a private struct
 * field, closed by a signal handler.
 *
 * JournalPage is a GtkBox with a text view and a word-count label; it
 * creates its GtkTextBuffer itself and keeps it in its private struct
 * (a plain field: nothing but the program's own code knows it is a
 * reference), and counts words on the buffer's "changed".  Usage:
 * corpus-text-buffer-field leaky|clean.  Both show a page in a window,
 * type into it, close it and exit 0.
 *   leaky  the "changed" handler's data is g_object_ref (self): the page
 *          holds the buffer (field), the buffer holds the page (handler),
 *          and the dispose that would drop the buffer never runs
 *   clean  the handler is connected with g_signal_connect_object and
 *          dispose drops the buffer
 */
#include <gtk/gtk.h>

#include "corpus-gtk.h"
#include "corpus.h"

#define JOURNAL_TYPE_PAGE (journal_page_get_type ())
G_DECLARE_DERIVABLE_TYPE (JournalPage, journal_page, JOURNAL, PAGE, GtkBox)

struct _JournalPageClass
{
  GtkBoxClass parent_class;
};

typedef struct
{
  GtkTextBuffer *buffer;
  GtkWidget     *view;
  GtkWidget     *word_count;
} JournalPagePrivate;

G_DEFINE_TYPE_WITH_PRIVATE (JournalPage, journal_page, GTK_TYPE_BOX)

static gboolean leaky;

static void
on_buffer_changed (GtkTextBuffer *buffer,
                   JournalPage   *self)
{
  JournalPagePrivate *priv = journal_page_get_instance_private (self);
  GtkTextIter start, end;
  g_autofree char *text = NULL;
  g_autofree char *count = NULL;
  g_auto(GStrv) words = NULL;
  guint n = 0;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  words = g_strsplit_set (text, " \n\t", -1);
  for (guint i = 0; words[i] != NULL; i++)
    n += words[i][0] != '\0';
  count = g_strdup_printf ("%u words", n);
  gtk_label_set_label (GTK_LABEL (priv->word_count), count);
}

static void
journal_page_dispose (GObject *object)
{
  JournalPagePrivate *priv = journal_page_get_instance_private (JOURNAL_PAGE (object));

  g_clear_object (&priv->buffer);
  G_OBJECT_CLASS (journal_page_parent_class)->dispose (object);
}

static void
journal_page_class_init (JournalPageClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = journal_page_dispose;
}

static void
journal_page_init (JournalPage *self)
{
  JournalPagePrivate *priv = journal_page_get_instance_private (self);

  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  priv->buffer = gtk_text_buffer_new (NULL);
  priv->view = gtk_text_view_new_with_buffer (priv->buffer);
  priv->word_count = gtk_label_new ("0 words");
  gtk_box_append (GTK_BOX (self), priv->view);
  gtk_box_append (GTK_BOX (self), priv->word_count);
  if (leaky)
    g_signal_connect_data (priv->buffer, "changed", G_CALLBACK (on_buffer_changed),
                           g_object_ref (self), (GClosureNotify) g_object_unref, 0);
  else
    g_signal_connect_object (priv->buffer, "changed", G_CALLBACK (on_buffer_changed), self, 0);
}

static void
journal_page_type (JournalPage *self,
                   const char  *text)
{
  JournalPagePrivate *priv = journal_page_get_instance_private (self);

  gtk_text_buffer_insert_at_cursor (priv->buffer, text, -1);
}

int
main (int    argc,
      char **argv)
{
  GtkWidget *page;

  leaky = corpus_parse_leaky (argc, argv);
  gtk_init ();
  page = g_object_new (JOURNAL_TYPE_PAGE, NULL);
  journal_page_type (JOURNAL_PAGE (page), "Dear diary, today");
  corpus_show_in_window (page);
  return 0;
}
