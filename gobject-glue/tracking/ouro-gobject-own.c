/* ouro-gobject-own.c — which GTypes are the program's own: registered by
 * the main executable or by a library outside the system's library
 * directories, so that reports list the program's objects first (its
 * leak, not GTK's thousands of objects) and say how many of them are held
 * by references nothing tracked explains.
 *
 * MT safe: the registrations are guarded by one lock; the per-type answer
 * cache is used only by report builds, which the registry lock serialises.
 *
 * How a type's owner is known: the glue interposes the public registration
 * functions, g_type_register_static (), g_type_register_static_simple ()
 * (what G_DEFINE_TYPE expands to) and g_type_register_dynamic () (type
 * plugins), and reads which module called them (the return address,
 * through ouro_gobject_loaded_object_name ()).  Programs and libraries call them through the PLT;
 * libgobject registering its own types calls itself directly and is never
 * seen, which is right: those are not the program's.  A type whose
 * registration was not seen (registered before this library was loaded)
 * is not the program's own.
 *
 * The same registrations say which module registered every type seen,
 * the program's or not (ouro_gobject_type_module ()): where the debug
 * information describing its structs is (edges/ouro-gobject-field-names.c).
 *
 * The system's library directories: /lib, /lib64, /usr/lib, /usr/lib64
 * and everything under them (multiarch, Python's dist-packages).  A
 * program's own library installed in /usr/local/lib, or in a build tree,
 * counts as the program's.  The reference ledger draws the same line for
 * call sites (ouro-gobject-ledger-symbols.c), with the same directories.
 */
#define _GNU_SOURCE   /* dl_iterate_phdr */
#include "config.h"

#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "ouro-gobject-private.h"

#define OWN_INTERPOSE __attribute__((visibility("default")))

typedef GType (*RegisterStaticFunc)       (GType, const gchar *, const GTypeInfo *, GTypeFlags);
typedef GType (*RegisterStaticSimpleFunc) (GType, const gchar *, guint, GClassInitFunc, guint,
                                           GInstanceInitFunc, GTypeFlags);
typedef GType (*RegisterDynamicFunc)      (GType, const gchar *, GTypePlugin *, GTypeFlags);

static struct {
  RegisterStaticFunc       register_static;
  RegisterStaticSimpleFunc register_static_simple;
  RegisterDynamicFunc      register_dynamic;
} own_real;

static gsize           own_resolved;
static guintptr        own_main_start;  /* the main executable's loaded segments */
static guintptr        own_main_end;
static pthread_mutex_t own_lock = PTHREAD_MUTEX_INITIALIZER;
static GHashTable     *own_types;      /* GType -> 1: registered by the program */
static GHashTable     *own_modules;    /* GType -> interned loaded-object name ("": the executable) */
static const char     *own_main_path;  /* interned; read from /proc/self/exe at first need */

/* GType -> own, for report builds (under the registry lock).  A
 * collision only costs a lookup under own_lock. */
static OuroGObjectTypeCacheEntry own_cache[OURO_GOBJECT_TYPE_CACHE_SIZE];

/* After it: [own_main_start, own_main_end) spans the main executable's
 * loaded segments: the first object dl_iterate_phdr () reports.  (dladdr ()
 * names the main executable by argv[0], which may be relative, and
 * dlsym () finds "main" only in programs linked with -rdynamic.) */
static int
own_find_main_range (struct dl_phdr_info *info,
                     size_t               size,
                     void                *data)
{
  for (guint i = 0; i < info->dlpi_phnum; i++)
    {
      const ElfW(Phdr) *segment = &info->dlpi_phdr[i];
      guintptr start, end;

      if (segment->p_type != PT_LOAD)
        continue;
      start = info->dlpi_addr + segment->p_vaddr;
      end = start + segment->p_memsz;
      if (own_main_start == 0 || start < own_main_start)
        own_main_start = start;
      if (end > own_main_end)
        own_main_end = end;
    }
  return 1;   /* the first object only */
}

static void
own_resolve (void)
{
  void *gobject;

  if (!g_once_init_enter (&own_resolved))
    return;
  gobject = dlopen ("libgobject-2.0.so.0", RTLD_LAZY | RTLD_NOLOAD);
  /* The glue links libgobject: it is loaded. */
  g_assert (gobject != NULL);
  own_real.register_static = (RegisterStaticFunc) dlsym (gobject, "g_type_register_static");
  own_real.register_static_simple = (RegisterStaticSimpleFunc) dlsym (gobject, "g_type_register_static_simple");
  own_real.register_dynamic = (RegisterDynamicFunc) dlsym (gobject, "g_type_register_dynamic");
  dlclose (gobject);
  dl_iterate_phdr (own_find_main_range, NULL);
  g_once_init_leave (&own_resolved, 1);
}

gboolean
ouro_gobject_path_is_system (const char *path)
{
  static const char *const system_dirs[] = { "/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/" };

  for (guint i = 0; i < G_N_ELEMENTS (system_dirs); i++)
    if (g_str_has_prefix (path, system_dirs[i]))
      return TRUE;
  return FALSE;
}

typedef struct {
  guintptr    address;
  const char *name;
} OwnObjectSearch;

/* dl_iterate_phdr callback: stops at the object one of whose loaded
 * segments holds search->address. */
static int
own_find_object (struct dl_phdr_info *info,
                 size_t               size,
                 void                *data)
{
  OwnObjectSearch *search = data;

  for (guint i = 0; i < info->dlpi_phnum; i++)
    {
      const ElfW(Phdr) *segment = &info->dlpi_phdr[i];
      guintptr start = info->dlpi_addr + segment->p_vaddr;

      if (segment->p_type == PT_LOAD
          && search->address >= start && search->address < start + segment->p_memsz)
        {
          search->name = info->dlpi_name != NULL ? info->dlpi_name : "";
          return 1;
        }
    }
  return 0;
}

const char *
ouro_gobject_loaded_object_name (gconstpointer address)
{
  OwnObjectSearch search = { (guintptr) address, NULL };

  dl_iterate_phdr (own_find_object, &search);
  return search.name;
}

/* Whether code at @caller is the program's: the main executable, or a
 * library outside the system's directories.  After it, *@module is the
 * object holding @caller as ouro_gobject_loaded_object_name () names it
 * ("" for the main executable), or NULL. */
static gboolean
own_is_program_code (gpointer     caller,
                     const char **module)
{
  if ((guintptr) caller >= own_main_start && (guintptr) caller < own_main_end)
    {
      *module = "";
      return TRUE;
    }
  *module = ouro_gobject_loaded_object_name (caller);
  /* A program in a system directory (/usr/bin) has its code in the main
   * executable, found above; a library elsewhere is the program's own. */
  return *module != NULL && (*module)[0] == '/' && !ouro_gobject_path_is_system (*module);
}

static void
own_note (GType    type,
          gpointer caller)
{
  const char *module;
  gboolean own;

  if (type == 0)
    return;
  own = own_is_program_code (caller, &module);
  /* Interned outside the lock: a plugin's name outlives its dlclose (). */
  module = module != NULL ? g_intern_string (module) : NULL;
  pthread_mutex_lock (&own_lock);
  if (own_modules == NULL)
    {
      own_types = g_hash_table_new (NULL, NULL);
      own_modules = g_hash_table_new (NULL, NULL);
    }
  if (own)
    g_hash_table_add (own_types, GSIZE_TO_POINTER (type));
  if (module != NULL)
    g_hash_table_insert (own_modules, GSIZE_TO_POINTER (type), (gpointer) module);
  pthread_mutex_unlock (&own_lock);
}

/* Resolved when the library is loaded, before the program starts threads:
 * the once-guard's store happens in GLib, where ThreadSanitizer cannot see
 * it, and the fast path of every later call is then a plain read. */
__attribute__ ((constructor)) static void
own_load (void)
{
  own_resolve ();
}

OWN_INTERPOSE GType
g_type_register_static (GType            parent_type,
                        const gchar     *type_name,
                        const GTypeInfo *info,
                        GTypeFlags       flags)
{
  GType type;

  own_resolve ();
  type = own_real.register_static (parent_type, type_name, info, flags);
  own_note (type, __builtin_return_address (0));
  return type;
}

OWN_INTERPOSE GType
g_type_register_static_simple (GType             parent_type,
                               const gchar      *type_name,
                               guint             class_size,
                               GClassInitFunc    class_init,
                               guint             instance_size,
                               GInstanceInitFunc instance_init,
                               GTypeFlags        flags)
{
  GType type;

  own_resolve ();
  type = own_real.register_static_simple (parent_type, type_name, class_size, class_init,
                                          instance_size, instance_init, flags);
  own_note (type, __builtin_return_address (0));
  return type;
}

OWN_INTERPOSE GType
g_type_register_dynamic (GType        parent_type,
                         const gchar *type_name,
                         GTypePlugin *plugin,
                         GTypeFlags   flags)
{
  GType type;

  own_resolve ();
  type = own_real.register_dynamic (parent_type, type_name, plugin, flags);
  own_note (type, __builtin_return_address (0));
  return type;
}

gboolean
ouro_gobject_type_is_own (GType type)
{
  gboolean own;

  pthread_mutex_lock (&own_lock);
  own = own_types != NULL && g_hash_table_contains (own_types, GSIZE_TO_POINTER (type));
  pthread_mutex_unlock (&own_lock);
  return own;
}

const char *
ouro_gobject_type_module (GType type)
{
  const char *module;

  pthread_mutex_lock (&own_lock);
  module = own_modules != NULL ? g_hash_table_lookup (own_modules, GSIZE_TO_POINTER (type)) : NULL;
  if (module != NULL && *module == '\0')
    {
      /* The loader names the executable "", and argv[0] may be relative
       * or a name on $PATH: the kernel's link is its file. */
      if (own_main_path == NULL)
        {
          char path[4096];
          ssize_t length = readlink ("/proc/self/exe", path, sizeof path - 1);

          if (length > 0)
            {
              path[length] = '\0';
              own_main_path = g_intern_string (path);
            }
        }
      module = own_main_path;
    }
  pthread_mutex_unlock (&own_lock);
  return module;
}

/* Registration is done by the time an object of the type exists: the
 * answer never changes, and is cached. */
static guint32
own_classify (GType type)
{
  return ouro_gobject_type_is_own (type);
}

/* The core's OuroOwnFunc, under the registry lock: a GObject is the
 * program's own when its type is. */
static gboolean
own_object_is_own (gpointer         object,
                   const OuroClass *klass,
                   gpointer         user_data)
{
  if (klass != ouro_gobject_class ())
    return FALSE;
  return ouro_gobject_type_cache_get (own_cache, G_OBJECT_TYPE (object), own_classify) != 0;
}

void
ouro_gobject_own_init (void)
{
  own_resolve ();
  ouro_set_own_func (own_object_is_own, NULL);
}
