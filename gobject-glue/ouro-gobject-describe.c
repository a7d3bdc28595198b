/* ouro-gobject-describe.c — one line that identifies a GObject for a
 * person: type, address, then what names it (a GtkBuildable id, a widget
 * name, a string "name", "title" or "label" property), and whether a
 * language binding or a floating reference holds it.
 *
 * MT safe as far as the objects' property getters are.  Called by the
 * core only for objects a report lists, under the registry lock; GTK is
 * reached through dlsym, so nothing here links against it.
 */
#include "config.h"

#include <dlfcn.h>

#include "ouro-gobject-private.h"

#define DESCRIBE_MAX_NAMES 2

/* GData keeps a toggle reference flag in its low bits (gobject.c's
 * OBJECT_HAS_TOGGLE_REF_FLAG), readable through the public flags API. */
#define DESCRIBE_TOGGLE_REF_FLAG 0x1

typedef const char *(*DescribeStringGetter) (gpointer object);

static void
describe_append_name (GString    *out,
                      guint      *n_names,
                      const char *key,
                      const char *value)
{
  if (value == NULL || value[0] == '\0' || *n_names >= DESCRIBE_MAX_NAMES)
    return;
  g_string_append_printf (out, " %s=\"%s\"", key, value);
  (*n_names)++;
}

/* Calls a GTK string getter found at run time when @object is a @type_name. */
static const char *
describe_gtk_string (GObject    *object,
                     const char *type_name,
                     const char *function)
{
  GType type = g_type_from_name (type_name);
  DescribeStringGetter getter;

  if (type == 0 || !g_type_is_a (G_OBJECT_TYPE (object), type))
    return NULL;
  getter = (DescribeStringGetter) dlsym (RTLD_DEFAULT, function);
  return getter != NULL ? getter (object) : NULL;
}

static void
describe_append_property (GString    *out,
                          guint      *n_names,
                          GObject    *object,
                          const char *property)
{
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (object), property);
  char *value = NULL;

  if (pspec == NULL || (pspec->flags & G_PARAM_READABLE) == 0
      || pspec->value_type != G_TYPE_STRING || *n_names >= DESCRIBE_MAX_NAMES)
    return;
  g_object_get (object, property, &value, NULL);
  describe_append_name (out, n_names, property, value);
  g_free (value);
}

char *
ouro_gobject_describe (gpointer object)
{
  GObject *gobject = object;
  GString *out = g_string_new (NULL);
  const char *widget_name;
  guint n_names = 0;

  g_string_append_printf (out, "%s %p", G_OBJECT_TYPE_NAME (gobject), gobject);
  if (g_atomic_int_get ((gint *) &gobject->ref_count) == 0)
    {
      g_string_append (out, " (being finalized)");
      return g_string_free (out, FALSE);
    }

  describe_append_name (out, &n_names, "id",
                        describe_gtk_string (gobject, "GtkBuildable",
                                             "gtk_buildable_get_buildable_id"));
  /* gtk_widget_get_name () falls back to the type name: not a name. */
  widget_name = describe_gtk_string (gobject, "GtkWidget", "gtk_widget_get_name");
  if (g_strcmp0 (widget_name, G_OBJECT_TYPE_NAME (gobject)) != 0)
    describe_append_name (out, &n_names, "name", widget_name);
  else
    describe_append_property (out, &n_names, gobject, "name");
  describe_append_property (out, &n_names, gobject, "title");
  describe_append_property (out, &n_names, gobject, "label");

  if (g_datalist_get_flags (&gobject->qdata) & DESCRIBE_TOGGLE_REF_FLAG)
    g_string_append (out, " [toggle ref: held by a language binding]");
  if (g_object_is_floating (gobject))
    g_string_append (out, " [floating]");

  return g_string_free (out, FALSE);
}
