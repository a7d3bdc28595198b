/* ouro-gobject-fields.c — candidate references read from an object's own
 * memory: the candidates function for GObjects (OuroCandidatesFunc), which
 * scans with OURO_SCAN_PROBABLE call for the probable tier.
 *
 * MT safe: the candidates function runs only from scans, which the
 * registry lock serialises; the layouts it caches are read and written
 * under that lock alone.  The scope is one atomic integer.
 *
 * What is read: for each type in an object's ancestry that is in scope
 * (ouro_gobject_set_field_scope (): by default the program's own types,
 * ouro-gobject-own.c), the part of the object's memory that type added —
 * its instance struct's own members, [parent's instance size, its
 * instance size), and its private struct, [its private offset, its
 * parent's private offset) — word by aligned word.  A word equal to the
 * address of a tracked object, other than the object itself, is a
 * candidate, named "field " and the member's name from debug information
 * (ouro-gobject-field-names.c: "field priv->buffer", "field +0x18 of
 * DocControllerPrivate" without it).  GObject's own struct (its class,
 * refcount and qdata pointers) is never read.
 *
 * What is not a candidate: a word that is a GWeakRef or weak pointer the
 * program set to that object (ouro-gobject-weak-locations.c).  The core
 * drops candidates a precise edge already accounts for.
 *
 * Cost: the layout of a type — which words, and their labels — is built
 * the first time a scan meets an object of it, which is when the debug
 * information of its module is read (once per module and per struct); a
 * scan after that reads the words and hands each nonzero aligned one to
 * the core, which looks it up among the tracked objects; the weak
 * locations' bitmap answers for nearly every word without a lock.
 */
#include "config.h"

#include <string.h>

#include "ouro-gobject-private.h"

/* A word to read: @offset bytes from the instance (negative: in a private
 * area), named @label. */
typedef struct {
  gssize      offset;
  const char *label;   /* interned "field priv->buffer" */
} FieldsWord;

typedef struct {
  GType                 type;
  OuroGObjectFieldScope scope;   /* the scope it was built for */
  guint                 n_words;
  FieldsWord            words[];
} FieldsLayout;

#define FIELDS_CACHE_SIZE OURO_GOBJECT_TYPE_CACHE_SIZE

static gint          fields_scope = OURO_GOBJECT_FIELDS_PROGRAM;
static GHashTable   *fields_layouts;                       /* GType | scope -> FieldsLayout *, never freed */
static FieldsLayout *fields_cache[FIELDS_CACHE_SIZE];      /* in front of it, direct-mapped */

/**
 * ouro_gobject_set_field_scope:
 * @scope: whose memory to read
 *
 * Sets which types' pointer fields scans with %OURO_SCAN_PROBABLE read for
 * candidate references: none, the program's own types (the default:
 * registered by the main executable or by a library outside the system's
 * library directories), or all of them (for a library's own tests, whose
 * types are the ones that matter; GTK's and GLib's structs hold many
 * borrowed pointers, which make probable cycles of their own).  MT safe.
 */
void
ouro_gobject_set_field_scope (OuroGObjectFieldScope scope)
{
  g_return_if_fail (scope == OURO_GOBJECT_FIELDS_NONE || scope == OURO_GOBJECT_FIELDS_PROGRAM
                    || scope == OURO_GOBJECT_FIELDS_ALL);
  g_atomic_int_set (&fields_scope, (gint) scope);
}

/**
 * ouro_gobject_get_field_scope:
 *
 * Returns: which types' pointer fields are read.  MT safe.
 */
OuroGObjectFieldScope
ouro_gobject_get_field_scope (void)
{
  return (OuroGObjectFieldScope) g_atomic_int_get (&fields_scope);
}

static gboolean
fields_type_in_scope (GType                 type,
                      OuroGObjectFieldScope scope)
{
  switch (scope)
    {
    case OURO_GOBJECT_FIELDS_ALL:
      return TRUE;
    case OURO_GOBJECT_FIELDS_PROGRAM:
      return ouro_gobject_type_is_own (type);
    case OURO_GOBJECT_FIELDS_NONE:
    default:
      return FALSE;
    }
}

/* Where @type's private area starts, counted from @object, an instance of
 * it: its size and its ancestors' lie between it and the instance.
 * g_type_class_get_instance_private_offset () would say the same but is
 * fatal for a type without private data; this deprecated call is not. */
static gssize
fields_private_offset (GObject *object,
                       GType    type)
{
  gpointer area;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  area = g_type_instance_get_private ((GTypeInstance *) object, type);
  G_GNUC_END_IGNORE_DEPRECATIONS
  return area != NULL ? (const char *) area - (const char *) object : 0;
}

/* Appends the words of [@start, @end) (offsets from the instance), named
 * from @type's struct whose first byte is at @base. */
static void
fields_add_words (GArray   *words,
                  GType     type,
                  gboolean  private_area,
                  gssize    base,
                  gssize    start,
                  gssize    end)
{
  gssize first = start + (gssize) ((sizeof (gpointer) - (gsize) (start - base) % sizeof (gpointer))
                                   % sizeof (gpointer));

  for (gssize offset = first; offset + (gssize) sizeof (gpointer) <= end;
       offset += sizeof (gpointer))
    {
      const char *name = ouro_gobject_field_name (type, private_area, (gsize) (offset - base));
      g_autofree char *label = g_strconcat ("field ", name, NULL);
      FieldsWord word = { offset, g_intern_string (label) };

      g_array_append_val (words, word);
    }
}

/* The words of @object, of @type, to read under @scope; the same for
 * every object of @type.  Reads debug information the first time a type
 * is met. */
static FieldsLayout *
fields_layout_build (GObject              *object,
                     GType                 type,
                     OuroGObjectFieldScope scope)
{
  GArray *words = g_array_new (FALSE, FALSE, sizeof (FieldsWord));
  FieldsLayout *layout;

  for (GType t = type; t != 0 && t != G_TYPE_OBJECT && t != G_TYPE_INITIALLY_UNOWNED;
       t = g_type_parent (t))
    {
      GType parent = g_type_parent (t);
      GTypeQuery query, parent_query;
      gssize private_offset, parent_private_offset;

      if (!fields_type_in_scope (t, scope))
        continue;
      g_type_query (t, &query);
      g_type_query (parent, &parent_query);
      if (query.type != 0 && parent_query.type != 0 && query.instance_size > parent_query.instance_size)
        fields_add_words (words, t, FALSE, 0, parent_query.instance_size, query.instance_size);

      /* GLib lays the private areas out before the instance, each type's
       * below its parent's. */
      private_offset = fields_private_offset (object, t);
      parent_private_offset = fields_private_offset (object, parent);
      if (private_offset < parent_private_offset)
        fields_add_words (words, t, TRUE, private_offset, private_offset, parent_private_offset);
    }

  layout = g_malloc (sizeof (FieldsLayout) + words->len * sizeof (FieldsWord));
  layout->type = type;
  layout->scope = scope;
  layout->n_words = words->len;
  if (words->len > 0)
    memcpy (layout->words, words->data, words->len * sizeof (FieldsWord));
  g_array_unref (words);
  return layout;
}

static const FieldsLayout *
fields_layout_get (GObject              *object,
                   OuroGObjectFieldScope scope)
{
  GType type = G_OBJECT_TYPE (object);
  FieldsLayout **slot = &fields_cache[ouro_gobject_type_cache_slot (type)];
  FieldsLayout *layout = *slot;

  if (layout != NULL && layout->type == type && layout->scope == scope)
    return layout;

  if (fields_layouts == NULL)
    fields_layouts = g_hash_table_new (g_direct_hash, g_direct_equal);
  /* One layout per type and scope: a GType is a type node's address, its
   * low bits are free for the scope. */
  layout = g_hash_table_lookup (fields_layouts, GSIZE_TO_POINTER (type | scope));
  if (layout == NULL)
    {
      layout = fields_layout_build (object, type, scope);
      g_hash_table_insert (fields_layouts, GSIZE_TO_POINTER (type | scope), layout);
    }
  *slot = layout;
  return layout;
}

/* One word of a live object, read while its owner's thread may write it:
 * a pointer-sized aligned load, which cannot tear; what it reads is only a
 * candidate, checked against the registry. */
__attribute__ ((no_sanitize ("thread"))) static gpointer
fields_read_word (gconstpointer address)
{
  return *(gpointer const volatile *) address;
}

/* OuroCandidatesFunc. */
static void
fields_visit_candidates (gpointer         object,
                         const OuroClass *klass,
                         OuroVisitFunc    visit,
                         gpointer         visit_data,
                         gpointer         user_data)
{
  OuroGObjectFieldScope scope = ouro_gobject_get_field_scope ();
  const FieldsLayout *layout;

  if (klass != ouro_gobject_class () || scope == OURO_GOBJECT_FIELDS_NONE)
    return;
  layout = fields_layout_get (object, scope);
  for (guint i = 0; i < layout->n_words; i++)
    {
      const char *address = (const char *) object + layout->words[i].offset;
      gpointer value = fields_read_word (address);

      /* The core looks the pointer up among the tracked objects, and
       * ignores it if it is none. */
      if (value == NULL || value == object || ((guintptr) value & (sizeof (gpointer) - 1)) != 0
          || (ouro_gobject_weak_location_maybe (address)
              && ouro_gobject_weak_location_holds (address, value)))
        continue;
      visit (value, layout->words[i].label, visit_data);
    }
}

void
ouro_gobject_fields_init (void)
{
  ouro_set_candidates_func (fields_visit_candidates, NULL);
}
