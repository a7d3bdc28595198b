/* dropdown-expression.c — corpus program: a GtkDropDown whose expression
 * holds the widget that owns the dropdown.
 *
 * FontPicker is a GtkBox with a GtkDropDown child over a GtkStringList of
 * font families; the dropdown shows each item through an expression whose
 * callback needs the picker's sample text.  Usage:
 * corpus-dropdown-expression leaky|clean.  Both show a picker in a window,
 * close it and exit 0.
 *   leaky  the expression is gtk_cclosure_expression_new () with
 *          g_object_ref (self) as user data, released by g_object_unref
 *          when the expression is freed, that is when the dropdown is: the
 *          picker holds the dropdown, the dropdown its expression, the
 *          expression the picker
 *   clean  the expression's closure is g_cclosure_new_object (): it
 *          watches the picker without holding it, and the picker goes with
 *          its window
 */
#include <gtk/gtk.h>

#include "corpus-gtk.h"
#include "corpus.h"

#define FONT_TYPE_PICKER (font_picker_get_type ())
G_DECLARE_DERIVABLE_TYPE (FontPicker, font_picker, FONT, PICKER, GtkBox)

struct _FontPickerClass
{
  GtkBoxClass parent_class;
};

typedef struct
{
  GtkWidget *dropdown;
  char      *sample;
} FontPickerPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (FontPicker, font_picker, GTK_TYPE_BOX)

static gboolean leaky;

/* The expression's callback: (this item, user data); returns a new
 * string. */
static char *
font_display_name (GtkStringObject *item,
                   FontPicker      *self)
{
  FontPickerPrivate *priv = font_picker_get_instance_private (self);

  return g_strdup_printf ("%s: %s", gtk_string_object_get_string (item), priv->sample);
}

static void
font_picker_finalize (GObject *object)
{
  FontPickerPrivate *priv = font_picker_get_instance_private (FONT_PICKER (object));

  g_free (priv->sample);
  G_OBJECT_CLASS (font_picker_parent_class)->finalize (object);
}

static void
font_picker_class_init (FontPickerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = font_picker_finalize;
}

static void
font_picker_init (FontPicker *self)
{
  FontPickerPrivate *priv = font_picker_get_instance_private (self);
  const char *const families[] = { "Cantarell", "DejaVu Sans", "Noto Serif", NULL };
  GtkExpression *expression;

  priv->sample = g_strdup ("Aa");
  if (leaky)
    expression = gtk_cclosure_expression_new (G_TYPE_STRING, NULL, 0, NULL,
                                              G_CALLBACK (font_display_name),
                                              g_object_ref (self),
                                              (GClosureNotify) g_object_unref);
  else
    expression = gtk_closure_expression_new (G_TYPE_STRING,
                                             g_cclosure_new_object (G_CALLBACK (font_display_name),
                                                                    G_OBJECT (self)),
                                             0, NULL);
  /* The dropdown takes the list and the expression. */
  priv->dropdown = gtk_drop_down_new (G_LIST_MODEL (gtk_string_list_new (families)), expression);
  gtk_box_append (GTK_BOX (self), priv->dropdown);
}

int
main (int    argc,
      char **argv)
{
  leaky = corpus_parse_leaky (argc, argv);
  gtk_init ();
  corpus_show_in_window (g_object_new (FONT_TYPE_PICKER, NULL));
  return 0;
}
