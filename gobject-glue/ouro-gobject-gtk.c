/* ouro-gobject-gtk.c — the references GTK4 widgets and GIO list stores
 * hold, found at run time when those types exist in the process.
 *
 * MT safe as far as GTK allows reading a widget tree (GTK itself is
 * single-threaded: scan GTK programs from the main thread).  Nothing here
 * links against GTK or GIO: types are looked up by name and functions with
 * dlsym, so a program without GTK pays one failed lookup per scan.
 *
 * Edges: a widget holds each of its children ("child widget"), and the
 * controllers added with gtk_widget_add_controller (), recorded by
 * ouro-gobject-interpose.c; a GListStore holds its items ("list item").
 */
#include "config.h"

#include <dlfcn.h>

#include "ouro-gobject-private.h"

typedef gpointer (*GtkWidgetGetter)       (gpointer widget);
typedef gpointer (*GtkControllerGetter)   (gpointer controller);
typedef guint    (*ListModelGetNItems)    (gpointer list);
typedef gpointer (*ListModelGetItem)      (gpointer list,
                                           guint    position);

static struct {
  GType               widget;
  GType               event_controller;
  GType               list_store;
  GtkWidgetGetter     first_child;
  GtkWidgetGetter     next_sibling;
  GtkControllerGetter controller_widget;
  ListModelGetNItems  get_n_items;
  ListModelGetItem    get_item;
} gtk;

static GMutex gtk_lock;
static gint   gtk_calls_until_retry;   /* atomic */

/* After it: the types and functions that existed in the process at the
 * last look are known.  What is missing is looked up again every 4096
 * calls, since GTK may be loaded late, without costing a program that has
 * no GTK a lookup per object. */
static void
gtk_resolve (void)
{
  if (!g_atomic_int_dec_and_test (&gtk_calls_until_retry)
      && g_atomic_int_get (&gtk_calls_until_retry) > 0)
    return;
  g_atomic_int_set (&gtk_calls_until_retry, 4096);

  g_mutex_lock (&gtk_lock);
  if (gtk.widget == 0 && (gtk.widget = g_type_from_name ("GtkWidget")) != 0)
    {
      gtk.first_child = (GtkWidgetGetter) dlsym (RTLD_DEFAULT, "gtk_widget_get_first_child");
      gtk.next_sibling = (GtkWidgetGetter) dlsym (RTLD_DEFAULT, "gtk_widget_get_next_sibling");
      if (gtk.first_child == NULL || gtk.next_sibling == NULL)
        gtk.widget = 0;
    }
  if (gtk.event_controller == 0
      && (gtk.event_controller = g_type_from_name ("GtkEventController")) != 0)
    {
      gtk.controller_widget = (GtkControllerGetter) dlsym (RTLD_DEFAULT,
                                                           "gtk_event_controller_get_widget");
      if (gtk.controller_widget == NULL)
        gtk.event_controller = 0;
    }
  if (gtk.list_store == 0 && (gtk.list_store = g_type_from_name ("GListStore")) != 0)
    {
      gtk.get_n_items = (ListModelGetNItems) dlsym (RTLD_DEFAULT, "g_list_model_get_n_items");
      gtk.get_item = (ListModelGetItem) dlsym (RTLD_DEFAULT, "g_list_model_get_item");
      if (gtk.get_n_items == NULL || gtk.get_item == NULL)
        gtk.list_store = 0;
    }
  g_mutex_unlock (&gtk_lock);
}

void
ouro_gobject_visit_containers (GObject      *object,
                               OuroVisitFunc visit,
                               gpointer      user_data)
{
  GType type = G_OBJECT_TYPE (object);

  if (gtk.widget == 0 || gtk.list_store == 0)
    gtk_resolve ();

  if (gtk.widget != 0 && g_type_is_a (type, gtk.widget))
    {
      /* A parent holds a reference on each child (gtk_widget_set_parent). */
      for (gpointer child = gtk.first_child (object); child != NULL; child = gtk.next_sibling (child))
        ouro_gobject_visit (visit, child, "child widget", user_data);
    }
  else if (gtk.list_store != 0 && g_type_is_a (type, gtk.list_store))
    {
      guint n_items = gtk.get_n_items (object);

      for (guint i = 0; i < n_items; i++)
        {
          gpointer item = gtk.get_item (object, i);   /* transfer full */

          ouro_gobject_visit (visit, item, "list item", user_data);
          g_object_unref (item);
        }
    }
}

gboolean
ouro_gobject_gtk_controller_is_on (gpointer controller,
                                   gpointer widget)
{
  if (gtk.event_controller == 0)
    gtk_resolve ();
  /* Tracked means alive: only then is it safe to ask the controller. */
  return gtk.event_controller != 0 && ouro_is_tracked (controller)
         && G_TYPE_CHECK_INSTANCE_TYPE (controller, gtk.event_controller)
         && gtk.controller_widget (controller) == widget;
}
