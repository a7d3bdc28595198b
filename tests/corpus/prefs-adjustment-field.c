/* prefs-adjustment-field.c — corpus program: a cycle through a field of a
 * GTK widget subclass, closed by a property binding's transform data.
 *
 * PrefsFontPanel is a final GtkBox subclass, the editor font's row in a
 * preferences dialog: "Smaller" and "Larger" buttons step a GtkAdjustment
 * the panel keeps in its public instance struct (a plain field), and a
 * binding shows the adjustment's value in the panel's preview label,
 * formatted by a transform that needs the panel's unit.  Usage:
 * corpus-prefs-adjustment-field leaky|clean.  Both show a panel in a
 * window, press "Larger" twice, close it and exit 0.
 *   leaky  the transform's user data is g_object_ref (self): the panel
 *          holds the adjustment (field), the adjustment the binding (its
 *          source), the binding the panel, and the dispose that would drop
 *          the adjustment never runs
 *   clean  the user data is the panel itself, unreferenced (the binding
 *          never outlives it), and dispose drops the adjustment
 * No scale or spin button shows the adjustment: one would hold it too, by
 * a reference GTK keeps where only GTK knows of it.
 */
#include <gtk/gtk.h>

#include "corpus-gtk.h"
#include "corpus.h"

#define PREFS_TYPE_FONT_PANEL (prefs_font_panel_get_type ())
G_DECLARE_FINAL_TYPE (PrefsFontPanel, prefs_font_panel, PREFS, FONT_PANEL, GtkBox)

struct _PrefsFontPanel
{
  GtkBox         parent_instance;
  GtkAdjustment *font_size;
  GtkWidget     *preview;
  GtkWidget     *larger;
  const char    *unit;
};

G_DEFINE_FINAL_TYPE (PrefsFontPanel, prefs_font_panel, GTK_TYPE_BOX)

static gboolean leaky;

static gboolean
size_to_label (GBinding     *binding,
               const GValue *from,
               GValue       *to,
               gpointer      user_data)
{
  PrefsFontPanel *self = user_data;

  g_value_take_string (to, g_strdup_printf ("Font size: %.0f %s", g_value_get_double (from),
                                            self->unit));
  return TRUE;
}

static void
prefs_font_panel_step (PrefsFontPanel *self,
                       double          steps)
{
  gtk_adjustment_set_value (self->font_size, gtk_adjustment_get_value (self->font_size)
                            + steps * gtk_adjustment_get_step_increment (self->font_size));
}

static void
on_smaller_clicked (PrefsFontPanel *self)
{
  prefs_font_panel_step (self, -1);
}

static void
on_larger_clicked (PrefsFontPanel *self)
{
  prefs_font_panel_step (self, 1);
}

static void
prefs_font_panel_dispose (GObject *object)
{
  g_clear_object (&PREFS_FONT_PANEL (object)->font_size);
  G_OBJECT_CLASS (prefs_font_panel_parent_class)->dispose (object);
}

static void
prefs_font_panel_class_init (PrefsFontPanelClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = prefs_font_panel_dispose;
}

static void
prefs_font_panel_init (PrefsFontPanel *self)
{
  GtkWidget *smaller = gtk_button_new_with_label ("Smaller");

  self->unit = "pt";
  self->font_size = g_object_ref_sink (gtk_adjustment_new (11, 6, 72, 1, 4, 0));
  self->preview = gtk_label_new (NULL);
  self->larger = gtk_button_new_with_label ("Larger");
  gtk_box_append (GTK_BOX (self), self->preview);
  gtk_box_append (GTK_BOX (self), smaller);
  gtk_box_append (GTK_BOX (self), self->larger);
  g_signal_connect_swapped (smaller, "clicked", G_CALLBACK (on_smaller_clicked), self);
  g_signal_connect_swapped (self->larger, "clicked", G_CALLBACK (on_larger_clicked), self);
  if (leaky)
    g_object_bind_property_full (self->font_size, "value", self->preview, "label",
                                 G_BINDING_SYNC_CREATE, size_to_label, NULL,
                                 g_object_ref (self), g_object_unref);
  else
    g_object_bind_property_full (self->font_size, "value", self->preview, "label",
                                 G_BINDING_SYNC_CREATE, size_to_label, NULL, self, NULL);
}

int
main (int    argc,
      char **argv)
{
  PrefsFontPanel *panel;

  leaky = corpus_parse_leaky (argc, argv);
  gtk_init ();
  panel = g_object_new (PREFS_TYPE_FONT_PANEL, NULL);
  g_signal_emit_by_name (panel->larger, "clicked");
  g_signal_emit_by_name (panel->larger, "clicked");
  if (gtk_adjustment_get_value (panel->font_size) != 13)
    return 1;
  corpus_show_in_window (GTK_WIDGET (panel));
  return 0;
}
