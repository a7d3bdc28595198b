/* ouro-gobject-field-names.c — names a word of a GObject's own memory after
 * the struct member it is in ("owner", "inner.child", "items[2]",
 * "priv->buffer"), from the debug information of the module that
 * registered the type; without it, "+0x18 of TypeName[Private]".  For the
 * edges found by reading an object's words.
 *
 * MT safe: one lock guards the per-module indexes and the per-type tables,
 * and DWARF is read under it (once per module for the index, once per
 * (type, area) for the table; other threads asking wait).  A table never
 * changes once built: it is searched after the lock is released.  Under
 * it only ouro-gobject-own.c's lock and GLib's are taken, so a caller may
 * hold the registry lock.
 *
 * Where the struct is: for a type named T, G_DEFINE_TYPE_WITH_PRIVATE's
 * `struct _T` (or typedef T) and TPrivate.  A module's compile units (and
 * those of its dwz alternate file) are indexed once by the names of their
 * complete structs and their typedefs.  An instance struct whose size is
 * not the type's instance size is another struct of that name: unused.
 * Separate debug files are found by build id under /usr/lib/debug, as the
 * reference ledger finds them (no debuginfod).
 *
 * A table is the struct's members flattened into leaves, by offset: nested
 * structs and unions give "a.b" (anonymous ones add nothing), arrays of
 * structs "a[1].b" (up to FIELDS_MAX_ELEMENTS), other arrays one entry
 * whose index is computed per call (a multi-dimensional one counted flat).
 * Where union members overlap, a pointer starting there wins, then the
 * longest; the others go, so entries are disjoint.  Bitfields and members
 * placed by a location expression rather than a constant are left out.
 */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>

#ifdef HAVE_LIBDW
# include <dwarf.h>
# include <elfutils/libdwfl.h>
#endif

#include "ouro-gobject-private.h"

#define FIELDS_MAX_DEPTH    32     /* nested structs; DWARF could loop */
#define FIELDS_MAX_ELEMENTS 64     /* elements of an array of structs walked one by one */
#define FIELDS_MAX_ENTRIES  4096   /* per table */

typedef struct {
  gsize       offset;
  gsize       size;       /* bytes covered; never 0 */
  gsize       stride;     /* an array's element size: named "name[i]"; 0: not an array */
  gboolean    pointer;    /* a pointer, or an array of pointers */
  const char *name;       /* interned */
} FieldsEntry;

typedef struct {
  FieldsEntry *entries;   /* disjoint, by offset */
  guint        n_entries;
  const char  *fallback;  /* interned "TypeName" / "TypeNamePrivate" */
} FieldsTable;

static pthread_mutex_t fields_lock = PTHREAD_MUTEX_INITIALIZER;   /* TSan sees it, not a GMutex */

static void fields_lock_acquire (void) { pthread_mutex_lock (&fields_lock); }
static void fields_lock_release (void) { pthread_mutex_unlock (&fields_lock); }

/* A thread reading DWARF while another forks must not leave the child a
 * lock held for ever: taken at fork () after the registry's, as a scan
 * that names fields takes it. */
void
ouro_gobject_field_names_add_fork_lock (void)
{
  ouro_add_fork_lock (fields_lock_acquire, fields_lock_release);
}
static GHashTable *fields_tables[2];  /* [private_area]: GType -> FieldsTable *, never freed */

/* An interned string made from @format: no allocation when it was
 * interned before and is short. */
static const char * G_GNUC_PRINTF (1, 2)
fields_intern_printf (const char *format,
                      ...)
{
  char buffer[256];
  const char *interned;
  char *text;
  va_list args;
  int length;

  va_start (args, format);
  length = g_vsnprintf (buffer, sizeof buffer, format, args);
  va_end (args);
  if (length >= 0 && (gsize) length < sizeof buffer)
    return g_intern_string (buffer);
  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  interned = g_intern_string (text);
  g_free (text);
  return interned;
}

#ifdef HAVE_LIBDW

typedef struct {
  Dwfl       *dwfl;       /* NULL: no debug information */
  GHashTable *structs;    /* name -> Dwarf_Die *: complete structure types */
  GHashTable *typedefs;   /* name -> Dwarf_Die * */
} FieldsModule;

static GHashTable *fields_modules;    /* interned path -> FieldsModule *, never freed */

/* After it: @module's tables hold the first complete struct and the first
 * typedef of each name among @dwarf's top-level DIEs. */
static void
fields_index_units (FieldsModule *module,
                    Dwarf        *dwarf)
{
  Dwarf_CU *cu = NULL;
  Dwarf_Die unit, die;
  uint8_t unit_type;

  while (dwarf_get_units (dwarf, cu, &cu, NULL, &unit_type, &unit, NULL) == 0)
    {
      if ((unit_type != DW_UT_compile && unit_type != DW_UT_partial)
          || dwarf_child (&unit, &die) != 0)
        continue;
      do
        {
          const char *name = dwarf_diename (&die);
          int tag = dwarf_tag (&die);
          GHashTable *table = NULL;

          if (tag == DW_TAG_structure_type && !dwarf_hasattr (&die, DW_AT_declaration))
            table = module->structs;
          else if (tag == DW_TAG_typedef)
            table = module->typedefs;
          if (table != NULL && name != NULL && !g_hash_table_contains (table, name))
            g_hash_table_insert (table, (gpointer) name, g_memdup2 (&die, sizeof die));
        }
      while (dwarf_siblingof (&die, &die) == 0);
    }
}

/* Requires the lock.  The index of the module at @path, read at its first
 * use (its Dwfl is kept: the names and DIEs point into it). */
static FieldsModule *
fields_module_get (const char *path)
{
  /* By build id under /usr/lib/debug, never debuginfod (see the ledger's
   * symbols_dwfl_report ()). */
  static const Dwfl_Callbacks callbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = dwfl_build_id_find_debuginfo,
  };
  FieldsModule *module;
  Dwfl_Module *reported = NULL;
  Dwarf *dwarf = NULL, *alternate;
  Dwarf_Addr bias;

  if (fields_modules == NULL)
    fields_modules = g_hash_table_new (g_str_hash, g_str_equal);
  module = g_hash_table_lookup (fields_modules, path);
  if (module != NULL)
    return module;

  module = g_new0 (FieldsModule, 1);
  module->structs = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  module->typedefs = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  module->dwfl = dwfl_begin (&callbacks);
  if (module->dwfl != NULL)
    {
      dwfl_report_begin (module->dwfl);
      reported = dwfl_report_elf (module->dwfl, path, path, -1, 0, false);
      dwfl_report_end (module->dwfl, NULL, NULL);
    }
  if (reported != NULL)
    dwarf = dwfl_module_getdwarf (reported, &bias);
  if (dwarf != NULL)
    {
      fields_index_units (module, dwarf);
      /* Looked up after the main file's units: libdw opens it at the
       * first attribute that refers into it. */
      alternate = dwarf_getalt (dwarf);
      if (alternate != NULL)
        fields_index_units (module, alternate);
    }
  else
    g_clear_pointer (&module->dwfl, dwfl_end);
  g_hash_table_insert (fields_modules, (gpointer) g_intern_string (path), module);
  return module;
}

/* After it, when it returns TRUE: *@result is the complete struct `_@name`
 * of @module, or the one typedef @name stands for. */
static gboolean
fields_find_struct (FieldsModule *module,
                    const char   *name,
                    Dwarf_Die    *result)
{
  char *struct_name = g_strconcat ("_", name, NULL);
  Dwarf_Die *found = g_hash_table_lookup (module->structs, struct_name);
  Dwarf_Die *alias = g_hash_table_lookup (module->typedefs, name);
  const char *target;

  g_free (struct_name);
  if (found == NULL && alias != NULL && dwarf_peel_type (alias, result) == 0
      && dwarf_tag (result) == DW_TAG_structure_type)
    {
      /* A typedef to a struct this unit only declares: its definition
       * is elsewhere, under its own name. */
      if (!dwarf_hasattr (result, DW_AT_declaration))
        return TRUE;
      target = dwarf_diename (result);
      found = target != NULL ? g_hash_table_lookup (module->structs, target) : NULL;
    }
  if (found != NULL)
    *result = *found;
  return found != NULL;
}

typedef struct {
  GArray  *entries;       /* FieldsEntry */
  GString *path;          /* the name of the member being walked */
  gsize    root_length;   /* of "" or "priv->": no '.' after it */
} FieldsWalk;

static void fields_walk_members (FieldsWalk *walk, Dwarf_Die *type, gsize base, guint depth);

static void
fields_add_entry (FieldsWalk *walk,
                  gsize       offset,
                  Dwarf_Word  size,
                  Dwarf_Word  stride,
                  gboolean    pointer)
{
  FieldsEntry entry = { offset, size, stride, pointer, NULL };

  if (size == 0 || walk->entries->len >= FIELDS_MAX_ENTRIES)
    return;
  entry.name = g_intern_string (walk->path->str);
  g_array_append_val (walk->entries, entry);
}

/* After it: the array @type at @offset, named walk->path, is in the
 * entries: element by element when they are structs (up to
 * FIELDS_MAX_ELEMENTS), else as one entry.  A flexible array member (no
 * size) is left out. */
static void
fields_add_array (FieldsWalk *walk,
                  Dwarf_Die  *type,
                  gsize       offset,
                  guint       depth)
{
  Dwarf_Attribute attribute;
  Dwarf_Die element;
  Dwarf_Word total, stride;
  gsize length = walk->path->len;
  int tag;

  if (dwarf_aggregate_size (type, &total) != 0
      || dwarf_attr_integrate (type, DW_AT_type, &attribute) == NULL
      || dwarf_formref_die (&attribute, &element) == NULL
      || dwarf_peel_type (&element, &element) != 0
      || dwarf_aggregate_size (&element, &stride) != 0 || stride == 0)
    return;
  tag = dwarf_tag (&element);
  if ((tag != DW_TAG_structure_type && tag != DW_TAG_union_type)
      || total / stride > FIELDS_MAX_ELEMENTS)
    {
      fields_add_entry (walk, offset, total, stride, tag == DW_TAG_pointer_type);
      return;
    }
  for (Dwarf_Word i = 0; i < total / stride; i++)
    {
      g_string_append_printf (walk->path, "[%" G_GUINT64_FORMAT "]", (guint64) i);
      fields_walk_members (walk, &element, offset + i * stride, depth + 1);
      g_string_truncate (walk->path, length);
    }
}

/* After it: the members of the struct or union @type, placed at @base and
 * named after walk->path, are in the entries, flattened into leaves. */
static void
fields_walk_members (FieldsWalk *walk,
                     Dwarf_Die  *type,
                     gsize       base,
                     guint       depth)
{
  Dwarf_Die member;

  if (depth > FIELDS_MAX_DEPTH || dwarf_child (type, &member) != 0)
    return;
  do
    {
      Dwarf_Attribute attribute;
      Dwarf_Word location = 0, size;
      Dwarf_Die member_type;
      const char *name = dwarf_diename (&member);
      gsize length = walk->path->len;
      int tag;

      if (dwarf_tag (&member) != DW_TAG_member
          || dwarf_hasattr (&member, DW_AT_bit_size)
          || dwarf_hasattr (&member, DW_AT_data_bit_offset))
        continue;
      /* A constant, as GCC emits it; none in a union. */
      if (dwarf_attr (&member, DW_AT_data_member_location, &attribute) != NULL
          && dwarf_formudata (&attribute, &location) != 0)
        continue;
      if (dwarf_attr_integrate (&member, DW_AT_type, &attribute) == NULL
          || dwarf_formref_die (&attribute, &member_type) == NULL
          || dwarf_peel_type (&member_type, &member_type) != 0)
        continue;
      tag = dwarf_tag (&member_type);
      if (name != NULL)
        {
          if (walk->path->len > walk->root_length)
            g_string_append_c (walk->path, '.');
          g_string_append (walk->path, name);
        }
      if (tag == DW_TAG_structure_type || tag == DW_TAG_union_type)
        fields_walk_members (walk, &member_type, base + location, depth + 1);
      else if (name == NULL)
        ;   /* an anonymous member is a struct or a union */
      else if (tag == DW_TAG_array_type)
        fields_add_array (walk, &member_type, base + location, depth);
      else
        {
          if (dwarf_aggregate_size (&member_type, &size) != 0)
            size = sizeof (gpointer);
          fields_add_entry (walk, base + location, size, 0, tag == DW_TAG_pointer_type);
        }
      g_string_truncate (walk->path, length);
    }
  while (dwarf_siblingof (&member, &member) == 0);
}

/* Sorts by offset; where entries start together (a union), a pointer
 * first, then the longest; otherwise in the order of the members. */
static gint
fields_entry_compare (gconstpointer a,
                      gconstpointer b)
{
  const FieldsEntry *x = a, *y = b;

  if (x->offset != y->offset)
    return x->offset < y->offset ? -1 : 1;
  if (x->pointer != y->pointer)
    return x->pointer ? -1 : 1;
  return x->size > y->size ? -1 : x->size < y->size;
}

/* Requires the lock.  After it: @table holds the members of @type's
 * instance or private struct, when the debug information of the module
 * that registered @type describes it. */
static void
fields_table_read (FieldsTable *table,
                   GType        type,
                   gboolean     private_area)
{
  const char *path = ouro_gobject_type_module (type);
  FieldsModule *module = path != NULL ? fields_module_get (path) : NULL;
  FieldsWalk walk;
  Dwarf_Die found;
  Dwarf_Word size;
  GTypeQuery query;
  guint kept = 0;

  if (module == NULL || module->dwfl == NULL || !fields_find_struct (module, table->fallback, &found))
    return;
  if (!private_area)
    {
      g_type_query (type, &query);
      if (dwarf_aggregate_size (&found, &size) != 0 || size != query.instance_size)
        return;
    }
  walk.entries = g_array_new (FALSE, FALSE, sizeof (FieldsEntry));
  walk.path = g_string_new (private_area ? "priv->" : "");
  walk.root_length = walk.path->len;
  fields_walk_members (&walk, &found, 0, 0);
  g_array_sort (walk.entries, fields_entry_compare);
  /* Disjoint: an entry that starts inside the one kept before goes. */
  for (guint i = 0; i < walk.entries->len; i++)
    {
      FieldsEntry *entry = &g_array_index (walk.entries, FieldsEntry, i);
      const FieldsEntry *last = kept > 0 ? &g_array_index (walk.entries, FieldsEntry, kept - 1) : NULL;

      if (last == NULL || entry->offset >= last->offset + last->size)
        g_array_index (walk.entries, FieldsEntry, kept++) = *entry;
    }
  table->n_entries = kept;
  table->entries = (FieldsEntry *) (gpointer) g_array_free (walk.entries, FALSE);
  g_string_free (walk.path, TRUE);
}

#endif /* HAVE_LIBDW */

/* The table of @type's instance or private struct, built at its first
 * use and never changed after. */
static const FieldsTable *
fields_table_get (GType    type,
                  gboolean private_area)
{
  FieldsTable *table;
  const char *type_name;

  pthread_mutex_lock (&fields_lock);
  if (fields_tables[private_area] == NULL)
    fields_tables[private_area] = g_hash_table_new (NULL, NULL);
  table = g_hash_table_lookup (fields_tables[private_area], GSIZE_TO_POINTER (type));
  if (table == NULL)
    {
      type_name = g_type_name (type);
      table = g_new0 (FieldsTable, 1);
      table->fallback = fields_intern_printf ("%s%s", type_name != NULL ? type_name : "(invalid type)",
                                              private_area ? "Private" : "");
#ifdef HAVE_LIBDW
      if (type_name != NULL)
        fields_table_read (table, type, private_area);
#endif
      g_hash_table_insert (fields_tables[private_area], GSIZE_TO_POINTER (type), table);
    }
  pthread_mutex_unlock (&fields_lock);
  return table;
}

const char *
ouro_gobject_field_name (GType    type,
                         gboolean private_area,
                         gsize    offset)
{
  const FieldsTable *table = fields_table_get (type, private_area != FALSE);
  guint low = 0, high = table->n_entries;
  const FieldsEntry *entry;

  /* Invariant: entries before low start at or before @offset, from high on after it. */
  while (low < high)
    {
      guint middle = low + (high - low) / 2;

      if (table->entries[middle].offset <= offset)
        low = middle + 1;
      else
        high = middle;
    }
  entry = low > 0 ? &table->entries[low - 1] : NULL;
  if (entry == NULL || offset >= entry->offset + entry->size)
    return fields_intern_printf ("+0x%" G_GSIZE_MODIFIER "x of %s", offset, table->fallback);
  if (entry->stride == 0)
    return entry->name;
  return fields_intern_printf ("%s[%" G_GSIZE_FORMAT "]", entry->name,
                               (offset - entry->offset) / entry->stride);
}
