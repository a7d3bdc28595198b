/* ouro-gobject-describe.c — one line that identifies a GObject for a
 * person: type, address, then what names it (a GtkBuildable id, a widget
 * name, a string "name", "title" or "label" property), and whether a
 * language binding or a floating reference holds it.
 *
 * MT safe.  The core calls ouro_gobject_describe () under the registry
 * lock and ouro_gobject_describe_late () for the same object after it
 * released the lock, on the same thread (OuroClass.describe_late).
 *
 * Why two halves: no application code may run under Ouro's lock.  A
 * property getter is application code: one that creates a temporary
 * GObject would be refused by the registry (a critical), one that takes an
 * application mutex deadlocks against a thread that holds that mutex while
 * it creates a GObject (ABBA), and g_object_get () refs the object, which
 * on an object with a toggle reference calls the language binding (after
 * Python has finalized, at exit, that is a segfault).  So:
 *   - under the lock, only GLib's and GTK's own accessors that read a field
 *     (gtk_widget_get_name (), the "gtk-builder-id" data, the toggle and
 *     floating flags) — never a getter or interface method a program can
 *     implement;
 *   - the properties are read later, with no Ouro lock held, through a
 *     GWeakRef taken under the lock.  Upgrading it gives a strong
 *     reference only if the object is still alive and not in its last
 *     unref (GLib clears weak references before that dispose starts);
 *   - never on an object with a toggle reference (a language binding
 *     answers its getters, and may no longer be able to), nor one that
 *     ouro_collect () is disposing, nor one in its last unref's dispose
 *     (frozen notifications tell), nor one being finalized.
 * GTK is reached through dlsym, so nothing here links against it.
 */
#define _GNU_SOURCE   /* dladdr */
#include "config.h"

#include <dlfcn.h>
#include <pthread.h>
#include <string.h>

#include "ouro-gobject-private.h"

#define DESCRIBE_MAX_NAMES 2

/* GData keeps a toggle reference flag in its low bits (gobject.c's
 * OBJECT_HAS_TOGGLE_REF_FLAG), readable through the public flags API. */
#define DESCRIBE_TOGGLE_REF_FLAG 0x1

gboolean
ouro_gobject_has_toggle_ref (GObject *object)
{
  return (g_datalist_get_flags (&object->qdata) & DESCRIBE_TOGGLE_REF_FLAG) != 0;
}

typedef const char *(*DescribeStringGetter) (gpointer object);

/* What describe leaves for describe_late, per object, on the describing
 * thread: a scan describes and finishes on one thread. */
typedef struct {
  GWeakRef ref;
  guint    n_names;        /* names already shown under the lock */
  gboolean name_shown;     /* a widget name: the "name" property is the same */
} DescribeLater;

static GPrivate describe_pending = G_PRIVATE_INIT ((GDestroyNotify) g_hash_table_unref);

/* The objects ouro_collect () is disposing (gobject_clear): their getters
 * may meet a half-disposed object.  Rarely more than a few. */
static pthread_mutex_t describe_disposing_lock = PTHREAD_MUTEX_INITIALIZER;
static GPtrArray      *describe_disposing;

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

static gpointer
describe_gtk_function (const char *type_name,
                       const char *function,
                       GType      *type_out)
{
  GType type = g_type_from_name (type_name);

  *type_out = type;
  return type != 0 ? dlsym (RTLD_DEFAULT, function) : NULL;
}

/* Whether @address is code of GTK, GLib, GObject or GIO themselves. */
static gboolean
describe_is_library_code (gpointer address)
{
  Dl_info info;
  const char *base;

  if (address == NULL || dladdr (address, &info) == 0 || info.dli_fname == NULL)
    return FALSE;
  base = strrchr (info.dli_fname, '/');
  base = base != NULL ? base + 1 : info.dli_fname;
  return g_str_has_prefix (base, "libgtk-4.so") || g_str_has_prefix (base, "libglib-2.0.so")
         || g_str_has_prefix (base, "libgobject-2.0.so") || g_str_has_prefix (base, "libgio-2.0.so");
}

static gpointer describe_last_get_id;          /* under the registry lock */
static gboolean describe_last_get_id_is_library;

/* The GtkBuildable id of @object when reading it runs no application code:
 * GTK's own get_id, or none (then GTK keeps it as object data).  A
 * program's GtkBuildable implementation is left out. */
static const char *
describe_buildable_id (GObject *object)
{
  GType buildable;
  DescribeStringGetter getter = describe_gtk_function ("GtkBuildable",
                                                       "gtk_buildable_get_buildable_id",
                                                       &buildable);
  gpointer iface;
  gpointer get_id;

  if (getter == NULL || !g_type_is_a (G_OBJECT_TYPE (object), buildable))
    return NULL;
  iface = g_type_interface_peek (G_OBJECT_GET_CLASS (object), buildable);
  if (iface == NULL)
    return NULL;
  /* GtkBuildableIface: the GTypeInterface, then set_id, then get_id. */
  get_id = ((gpointer *) ((char *) iface + sizeof (GTypeInterface)))[1];
  if (get_id == NULL)
    return g_object_get_data (object, "gtk-builder-id");
  /* Nearly every buildable shares GtkWidget's get_id: one dladdr () for
   * it, not one per object.  Describes run under the registry lock, one
   * scan at a time, so the cache needs no lock of its own. */
  if (get_id != describe_last_get_id)
    {
      describe_last_get_id = get_id;
      describe_last_get_id_is_library = describe_is_library_code (get_id);
    }
  return describe_last_get_id_is_library ? getter (object) : NULL;
}

static const char *
describe_widget_name (GObject *object)
{
  GType widget;
  DescribeStringGetter getter = describe_gtk_function ("GtkWidget", "gtk_widget_get_name",
                                                       &widget);
  const char *name;

  if (getter == NULL || !g_type_is_a (G_OBJECT_TYPE (object), widget))
    return NULL;
  /* It falls back to the type name: not a name. */
  name = getter (object);
  return g_strcmp0 (name, G_OBJECT_TYPE_NAME (object)) != 0 ? name : NULL;
}

/* Whether @object's property notifications are frozen.  GLib freezes
 * them in g_object_unref () before the last reference's dispose, so this
 * is how an object in that dispose shows (also one being constructed, or
 * whose properties are being set, or frozen by its program: left alone
 * too, which only costs a name).  A frozen object has the notify queue as
 * object data; thawing it removes it. */
static gboolean
describe_is_frozen (GObject *object)
{
  GQuark notify_queue = g_quark_try_string ("GObject-notify-queue");

  return notify_queue != 0 && g_datalist_id_get_data (&object->qdata, notify_queue) != NULL;
}

static gboolean
describe_is_disposing (GObject *object)
{
  gboolean found;

  pthread_mutex_lock (&describe_disposing_lock);
  found = describe_disposing != NULL && g_ptr_array_find (describe_disposing, object, NULL);
  pthread_mutex_unlock (&describe_disposing_lock);
  return found;
}

void
ouro_gobject_describe_mark_disposing (GObject  *object,
                                      gboolean  disposing)
{
  pthread_mutex_lock (&describe_disposing_lock);
  if (describe_disposing == NULL)
    describe_disposing = g_ptr_array_new ();
  if (disposing)
    g_ptr_array_add (describe_disposing, object);
  else
    g_ptr_array_remove_fast (describe_disposing, object);
  pthread_mutex_unlock (&describe_disposing_lock);
}

/* Whether @object has a readable string property @name. */
static gboolean
describe_has_string_property (GObject    *object,
                              const char *name)
{
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (object), name);

  return pspec != NULL && (pspec->flags & G_PARAM_READABLE) != 0
         && pspec->value_type == G_TYPE_STRING;
}

/* Runs under the registry lock: no application code (see the top). */
char *
ouro_gobject_describe (gpointer object)
{
  GObject *gobject = object;
  GString *out = g_string_new (NULL);
  const char *widget_name;
  gboolean toggled, floating;
  guint n_names = 0;

  g_string_append_printf (out, "%s %p", G_OBJECT_TYPE_NAME (gobject), gobject);
  if (g_atomic_int_get ((gint *) &gobject->ref_count) == 0)
    {
      g_string_append (out, " (being finalized)");
      return g_string_free (out, FALSE);
    }

  describe_append_name (out, &n_names, "id", describe_buildable_id (gobject));
  widget_name = describe_widget_name (gobject);
  describe_append_name (out, &n_names, "name", widget_name);

  toggled = ouro_gobject_has_toggle_ref (gobject);
  floating = g_object_is_floating (gobject);

  if (!toggled && n_names < DESCRIBE_MAX_NAMES && !describe_is_disposing (gobject)
      && !describe_is_frozen (gobject)
      && ((widget_name == NULL && describe_has_string_property (gobject, "name"))
          || describe_has_string_property (gobject, "title")
          || describe_has_string_property (gobject, "label")))
    {
      GHashTable *pending = g_private_get (&describe_pending);
      DescribeLater *later = g_new0 (DescribeLater, 1);

      if (pending == NULL)
        {
          pending = g_hash_table_new_full (NULL, NULL, NULL, NULL);
          g_private_set (&describe_pending, pending);
        }
      /* GLib's own code: takes its weak-locations lock, runs no callback. */
      g_weak_ref_init (&later->ref, gobject);
      later->n_names = n_names;
      later->name_shown = widget_name != NULL;
      /* Described twice in one scan (it cannot be, but): the newer wins. */
      if (g_hash_table_lookup (pending, gobject) != NULL)
        g_hash_table_remove (pending, gobject);
      g_hash_table_insert (pending, gobject, later);
    }

  if (toggled)
    g_string_append (out, " [toggle ref: held by a language binding]");
  if (floating)
    g_string_append (out, " [floating]");

  return g_string_free (out, FALSE);
}

/* Outside every Ouro lock.  After it: @out has the properties' values. */
static void
describe_append_property (GString    *out,
                          guint      *n_names,
                          GObject    *object,
                          const char *property)
{
  char *value = NULL;

  if (*n_names >= DESCRIBE_MAX_NAMES || !describe_has_string_property (object, property))
    return;
  g_object_get (object, property, &value, NULL);
  describe_append_name (out, n_names, property, value);
  g_free (value);
}

/* Runs with no Ouro lock held: may run the object's getters. */
char *
ouro_gobject_describe_late (gpointer object)
{
  GHashTable *pending = g_private_get (&describe_pending);
  DescribeLater *later;
  GObject *strong;
  GString *out;

  /* Not noted by describe: @object may be freed by now; never touch it. */
  if (pending == NULL || !g_hash_table_steal_extended (pending, object, NULL, (gpointer *) &later))
    return NULL;
  strong = g_weak_ref_get (&later->ref);
  g_weak_ref_clear (&later->ref);
  if (strong == NULL)
    {
      g_free (later);
      return NULL;
    }

  out = g_string_new (NULL);
  /* A binding may have wrapped it since, or collect started disposing it. */
  if ((g_datalist_get_flags (&strong->qdata) & DESCRIBE_TOGGLE_REF_FLAG) == 0
      && !describe_is_disposing (strong) && !describe_is_frozen (strong))
    {
      if (!later->name_shown)
        describe_append_property (out, &later->n_names, strong, "name");
      describe_append_property (out, &later->n_names, strong, "title");
      describe_append_property (out, &later->n_names, strong, "label");
    }
  /* g_weak_ref_get () took it inside libgobject, out of the ledger's
   * sight: release it there too. */
  ouro_gobject_real_unref (strong);
  g_free (later);
  /* describe_append_name () writes " key=..." : the core adds the space. */
  if (out->len > 0)
    g_string_erase (out, 0, 1);
  return g_string_free (out, out->len == 0);
}
