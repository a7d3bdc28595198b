/* ouro-gobject-templates.c — the template children a GTK 4 widget holds:
 * the objects of its class template bound with
 * gtk_widget_class_bind_template_child_full () (and the
 * gtk_widget_class_bind_template_child[_private|_internal] macros, which
 * call it), read at every scan from GTK's own table.
 *
 * Called from ouro_gobject_visit_containers () for widgets only, so under
 * the registry lock: scans are serialised, and the label cache below needs
 * no lock of its own.  GTK is single-threaded: its table is read on the
 * scanning thread, which for a GTK program is its main thread.  Nothing
 * here links against GTK: its version is read with dlsym.
 *
 * What GTK keeps (GTK 4.8.3, gtk/gtkwidget.c: get_auto_child_hash (),
 * gtk_widget_init_template (), gtk_widget_dispose_template (),
 * gtk_widget_real_destroy ()): qdata "gtk-widget-auto-children" on the
 * instance, a GHashTable from the GType of each class with a template to
 * a GHashTable from the bound child's name (the template id, a string the
 * class owns) to the child.  gtk_widget_init_template () inserts each
 * child with g_object_ref (), the inner table's value destroy notify is
 * g_object_unref (), and the entries go when the widget is destroyed (its
 * dispose), when gtk_widget_dispose_template () removes them, or with the
 * qdata.  So each entry is one strong reference, whatever else holds the
 * child: a bound child that is also a child widget of the template is
 * held twice, once by gtk_widget_set_parent () ("child widget") and once
 * by this table ("template child NAME"), and its refcount counts both.
 * The documentation of gtk_widget_dispose_template () (since 4.8) says as
 * much ("This will drop the reference on the template children"); the
 * table has had that shape since GTK 3.10.  Only GTK 4 is read.
 *
 * The table is GTK's, read through GLib's public API only, at every scan:
 * an entry GTK removed is never visited.  A bound child's field in the
 * instance struct is a borrowed pointer (GTK sets it, and NULLs it, but
 * holds no reference through it): a program must not also register it
 * with OURO_GOBJECT_ADD_FIELD (), or the child is counted twice.
 */
#include "config.h"

#include <dlfcn.h>

#include "ouro-gobject-private.h"

/* GTK 4.8.3 gtk/gtkwidget.c: quark_auto_children. */
#define TEMPLATES_QDATA_NAME "gtk-widget-auto-children"

typedef guint (*GtkGetVersionFunc) (void);

static struct {
  gboolean    resolved;
  gboolean    usable;        /* GTK 4 is loaded */
  GQuark      quark;         /* 0 until GTK made it (GtkWidget's class init) */
  GHashTable *labels;        /* child name (GTK's string) -> interned label */
} templates;

/* After it: templates.usable says whether the table may be read, and
 * templates.quark is set once GTK has made it. */
static void
templates_resolve (void)
{
  if (!templates.resolved)
    {
      GtkGetVersionFunc major = (GtkGetVersionFunc) dlsym (RTLD_DEFAULT, "gtk_get_major_version");

      templates.resolved = TRUE;
      templates.usable = major != NULL && major () == 4;
    }
  if (templates.usable && templates.quark == 0)
    templates.quark = g_quark_try_string (TEMPLATES_QDATA_NAME);
}

/* Returns the interned "template child NAME".  The key is GTK's own
 * string (the class's AutomaticChildClass name, kept as long as the class,
 * which for a static type is forever); a name at a reused address still
 * gets the label of its text, since the cache compares text. */
static const char *
templates_label (const char *name)
{
  const char *label;

  if (templates.labels == NULL)
    templates.labels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  label = g_hash_table_lookup (templates.labels, name);
  if (label == NULL)
    {
      char *text = g_strconcat ("template child ", name, NULL);

      label = g_intern_string (text);
      g_free (text);
      g_hash_table_insert (templates.labels, g_strdup (name), (gpointer) label);
    }
  return label;
}

void
ouro_gobject_visit_template_children (GObject      *widget,
                                      OuroVisitFunc visit,
                                      gpointer      user_data)
{
  GHashTable *by_class;
  GHashTableIter classes;
  gpointer children;

  templates_resolve ();
  if (!templates.usable || templates.quark == 0)
    return;
  /* GLib's datalist lookup: no GTK code, no application code. */
  by_class = g_object_get_qdata (widget, templates.quark);
  if (by_class == NULL)
    return;

  g_hash_table_iter_init (&classes, by_class);
  while (g_hash_table_iter_next (&classes, NULL, &children))
    {
      GHashTableIter iter;
      gpointer name, child;

      if (children == NULL)
        continue;
      g_hash_table_iter_init (&iter, children);
      /* One entry, one reference (g_object_ref () at insertion). */
      while (g_hash_table_iter_next (&iter, &name, &child))
        if (name != NULL)
          ouro_gobject_visit (visit, child, templates_label (name), user_data);
    }
}
