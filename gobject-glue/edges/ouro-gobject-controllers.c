/* ouro-gobject-controllers.c — the GTK4 event controllers a widget holds,
 * recorded as they are added: a controller given to a widget with
 * gtk_widget_add_controller () is a strong reference that no GLib API
 * lists.  Every scan checks the record again
 * (ouro_gobject_gtk_controller_is_on (), ouro-gobject-containers.c).
 *
 * MT safe: GTK's own function is looked up once (g_once), when GTK is
 * loaded and calls it; recording takes the records lock
 * (ouro-gobject-records.c).  GTK itself is single-threaded.
 *
 * Nothing else in the glue refers to this file: a program that links the
 * glue's internal static library (the tests) gets this interposer only if
 * it calls gtk_widget_add_controller () itself.  libouro-gobject.so and
 * the preload module link the whole library, so they always have it.
 */
#include "config.h"

#include "ouro-gobject-records-private.h"

static gsize interpose_gtk_resolved;

/* GTK's prototype, without including GTK's headers. */
void gtk_widget_add_controller (gpointer widget,
                                gpointer controller);

OURO_INTERPOSE void
gtk_widget_add_controller (gpointer widget,
                           gpointer controller)
{
  if (g_once_init_enter (&interpose_gtk_resolved))
    {
      ouro_gobject_real_funcs.add_controller
        = ouro_gobject_interpose_lookup ("libgtk-4.so.1", "gtk_widget_add_controller");
      g_once_init_leave (&interpose_gtk_resolved, 1);
    }
  if (ouro_gobject_real_funcs.add_controller == NULL)
    {
      g_critical ("ouro: gtk_widget_add_controller called but libgtk-4.so.1 is not loaded");
      return;
    }

  ouro_gobject_real_funcs.add_controller (widget, controller);
  if (ouro_gobject_is_initialized () && G_IS_OBJECT (widget) && G_IS_OBJECT (controller))
    ouro_gobject_record_add (widget, OURO_RECORD_CONTROLLER, 0, controller,
                             g_intern_static_string ("controller"));
}
