/* ouro-gobject-containers.c — the references GTK4 widgets and GIO list
 * stores hold, found at run time when those types exist in the process.
 *
 * Called from traverse functions only, so under the registry lock: scans
 * are serialised, and the per-type cache below needs no lock of its own.
 * GTK itself is single-threaded: scan GTK programs from the main thread.
 * Nothing here links against GTK or GIO: types are looked up by name and
 * functions with dlsym, when an object of a type not seen before comes by
 * and something is still missing (GTK may be loaded late), so a program
 * without GTK pays a few failed lookups per new type, not per object.
 *
 * Edges: a widget holds each of its children ("child widget"), its focus
 * child ("focus child"; GTK 4.8 keeps a reference, even after the window
 * is destroyed), and the controllers added with gtk_widget_add_controller
 * (), recorded by ouro-gobject-controllers.c; a window holds its focus
 * widget ("focus widget", a reference too); a GListStore holds its items
 * ("list item").  A widget's template children ("template child NAME")
 * are read by ouro-gobject-templates.c.
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
  GType               window;
  GType               event_controller;
  GType               list_store;
  GtkWidgetGetter     first_child;
  GtkWidgetGetter     next_sibling;
  GtkWidgetGetter     focus_child;
  GtkWidgetGetter     parent;
  GtkWidgetGetter     window_focus;
  GtkControllerGetter controller_widget;
  ListModelGetNItems  get_n_items;
  ListModelGetItem    get_item;
} gtk;

enum {
  KIND_NONE,
  KIND_WIDGET,
  KIND_WINDOW,        /* a widget too */
  KIND_LIST_STORE,
};

/* GType -> KIND_*.  A type's ancestry never changes, so an entry stays
 * true; a collision only costs a g_type_is_a (). */
static OuroGObjectTypeCacheEntry gtk_cache[OURO_GOBJECT_TYPE_CACHE_SIZE];

/* After it: the types and functions that exist in the process now are
 * known. */
static void
gtk_resolve (void)
{
  if (gtk.widget == 0 && (gtk.widget = g_type_from_name ("GtkWidget")) != 0)
    {
      gtk.first_child = (GtkWidgetGetter) dlsym (RTLD_DEFAULT, "gtk_widget_get_first_child");
      gtk.next_sibling = (GtkWidgetGetter) dlsym (RTLD_DEFAULT, "gtk_widget_get_next_sibling");
      gtk.focus_child = (GtkWidgetGetter) dlsym (RTLD_DEFAULT, "gtk_widget_get_focus_child");
      gtk.parent = (GtkWidgetGetter) dlsym (RTLD_DEFAULT, "gtk_widget_get_parent");
      if (gtk.first_child == NULL || gtk.next_sibling == NULL || gtk.focus_child == NULL
          || gtk.parent == NULL)
        gtk.widget = 0;
    }
  if (gtk.window == 0 && (gtk.window = g_type_from_name ("GtkWindow")) != 0)
    {
      gtk.window_focus = (GtkWidgetGetter) dlsym (RTLD_DEFAULT, "gtk_window_get_focus");
      if (gtk.window_focus == NULL)
        gtk.window = 0;
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
}

static guint32
gtk_classify (GType type)
{
  /* An instance of a container type means that type is registered:
   * resolving before classifying can only find it. */
  if (gtk.widget == 0 || gtk.window == 0 || gtk.list_store == 0)
    gtk_resolve ();
  return gtk.window != 0 && g_type_is_a (type, gtk.window) ? KIND_WINDOW
       : gtk.widget != 0 && g_type_is_a (type, gtk.widget) ? KIND_WIDGET
       : gtk.list_store != 0 && g_type_is_a (type, gtk.list_store) ? KIND_LIST_STORE
       : KIND_NONE;
}

static guint32
gtk_kind_of (GType type)
{
  return ouro_gobject_type_cache_get (gtk_cache, type, gtk_classify);
}

void
ouro_gobject_visit_containers (GObject      *object,
                               OuroVisitFunc visit,
                               gpointer      user_data)
{
  switch (gtk_kind_of (G_OBJECT_TYPE (object)))
    {
    case KIND_WINDOW:
      ouro_gobject_visit (visit, gtk.window_focus (object), "focus widget", user_data);
      G_GNUC_FALLTHROUGH;
    case KIND_WIDGET:
      /* A parent holds a reference on each child (gtk_widget_set_parent). */
      for (gpointer child = gtk.first_child (object); child != NULL; child = gtk.next_sibling (child))
        ouro_gobject_visit (visit, child, "child widget", user_data);
      ouro_gobject_visit (visit, gtk.focus_child (object), "focus child", user_data);
      ouro_gobject_visit_template_children (object, visit, user_data);
      break;

    case KIND_LIST_STORE:
      for (guint i = 0, n_items = gtk.get_n_items (object); i < n_items; i++)
        {
          gpointer item = gtk.get_item (object, i);   /* transfer full */

          ouro_gobject_visit (visit, item, "list item", user_data);
          g_object_unref (item);
        }
      break;

    default:
      break;
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

/* Runs outside the registry lock (see ouro-gobject-private.h), so it
 * leaves the per-type cache alone; the collect's own scan has resolved
 * GTK already when there are widgets to collect. */
gboolean
ouro_gobject_gtk_widget_has_parent (gpointer object)
{
  GType widget = gtk.widget;

  return widget != 0 && g_type_is_a (G_OBJECT_TYPE (object), widget) && gtk.parent (object) != NULL;
}
