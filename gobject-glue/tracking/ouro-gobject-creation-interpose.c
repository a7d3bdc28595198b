/* ouro-gobject-creation-interpose.c — the g_object_new family, seen by
 * libouro-gobject so that objects whose class never chains up constructed
 * are tracked all the same (ouro-gobject-creation.c).
 *
 * MT safe.  Built into libouro-gobject and the glue's tests only: under
 * `ouro run` the reference ledger defines these functions and calls
 * ouro_gobject_track_created () itself (one definition per process).
 * libgobject calls itself directly, so what it creates inside (a GBinding)
 * is not seen here; programs, GTK and GIO call through the PLT and are.
 */
#include "config.h"

#include <dlfcn.h>
#include <stdarg.h>

#include "ouro-gobject-private.h"

#define CREATION_INTERPOSE __attribute__((visibility("default")))

typedef GObject *(*NewValistFunc)         (GType, const gchar *, va_list);
typedef GObject *(*NewWithPropertiesFunc) (GType, guint, const char **, const GValue *);
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
typedef gpointer (*NewvFunc)              (GType, guint, GParameter *);
G_GNUC_END_IGNORE_DEPRECATIONS

static struct {
  NewValistFunc         new_valist;
  NewWithPropertiesFunc new_with_properties;
  NewvFunc              newv;
} creation_real;

static gsize creation_resolved;

/* After it: libgobject's own functions are known. */
static void
creation_resolve (void)
{
  void *gobject;

  if (!g_once_init_enter (&creation_resolved))
    return;
  gobject = dlopen ("libgobject-2.0.so.0", RTLD_LAZY | RTLD_NOLOAD);
  /* The glue links libgobject: it is loaded. */
  g_assert (gobject != NULL);
  creation_real.new_valist = (NewValistFunc) dlsym (gobject, "g_object_new_valist");
  creation_real.new_with_properties = (NewWithPropertiesFunc) dlsym (gobject, "g_object_new_with_properties");
  creation_real.newv = (NewvFunc) dlsym (gobject, "g_object_newv");
  dlclose (gobject);
  g_once_init_leave (&creation_resolved, 1);
}

/* Resolved when the library is loaded, before the program starts threads:
 * the once-guard's store happens in GLib, where ThreadSanitizer cannot see
 * it, and the fast path of every later call is then a plain read. */
__attribute__ ((constructor)) static void
creation_load (void)
{
  creation_resolve ();
}

CREATION_INTERPOSE gpointer
g_object_new (GType        object_type,
              const gchar *first_property_name,
              ...)
{
  GObject *object;
  va_list args;

  creation_resolve ();
  va_start (args, first_property_name);
  object = creation_real.new_valist (object_type, first_property_name, args);
  va_end (args);
  ouro_gobject_track_created (object);
  return object;
}

CREATION_INTERPOSE GObject *
g_object_new_valist (GType        object_type,
                     const gchar *first_property_name,
                     va_list      var_args)
{
  GObject *object;

  creation_resolve ();
  object = creation_real.new_valist (object_type, first_property_name, var_args);
  ouro_gobject_track_created (object);
  return object;
}

CREATION_INTERPOSE GObject *
g_object_new_with_properties (GType          object_type,
                              guint          n_properties,
                              const char    *names[],
                              const GValue   values[])
{
  GObject *object;

  creation_resolve ();
  object = creation_real.new_with_properties (object_type, n_properties, names, values);
  ouro_gobject_track_created (object);
  return object;
}

G_GNUC_BEGIN_IGNORE_DEPRECATIONS
CREATION_INTERPOSE gpointer
g_object_newv (GType       object_type,
               guint       n_parameters,
               GParameter *parameters)
{
  gpointer object;

  creation_resolve ();
  object = creation_real.newv (object_type, n_parameters, parameters);
  ouro_gobject_track_created (object);
  return object;
}
G_GNUC_END_IGNORE_DEPRECATIONS
