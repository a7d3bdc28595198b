/* ouro-gobject-registered.c — references a program registers per type:
 * object fields of the instance struct, object-valued properties, and
 * traverse functions; each applies to the type and all its subtypes.
 *
 * MT safe: one recursive lock guards the registrations and the per-type
 * plans built from them.  A scan holds it while it visits an object's
 * registered references (a traverse function that registers more from
 * inside is allowed: the lock is recursive).
 *
 * A plan flattens what a type and its ancestors registered, ancestors
 * first, so a scan costs one hash lookup per object (and none for a run of
 * objects of one type); any registration drops every plan.
 */
#define _GNU_SOURCE   /* PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP */
#include "config.h"

#include <pthread.h>

#include "ouro-gobject-private.h"

typedef struct {
  const char *label;      /* interned "field NAME" */
  gsize       offset;
} EdgesField;

typedef struct {
  const char *name;       /* interned property name */
  const char *label;      /* interned "property NAME" */
  GType       value_type;
} EdgesProperty;

typedef struct {
  GArray *fields;         /* EdgesField */
  GArray *properties;     /* EdgesProperty */
  GArray *traversers;     /* OuroGObjectTraverseFunc */
} EdgesSet;

/* Recursive: a registered traverser may register more.  A pthread mutex,
 * not a GRecMutex: ThreadSanitizer sees it. */
static pthread_mutex_t edges_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
static GHashTable *edges_registered;    /* GType -> EdgesSet: what each type registered */
static GHashTable *edges_plans;         /* GType -> EdgesSet: type and ancestors merged */
static gint        edges_any;           /* atomic: set once anything is registered */
static GType       edges_last_type;     /* one-entry cache in front of edges_plans */
static EdgesSet   *edges_last_plan;

static void edges_lock_acquire (void) { pthread_mutex_lock (&edges_lock); }

/* After fork () (in parent and child): the lock is free.  A recursive
 * mutex remembers its owner's thread id, and the child's one thread has
 * another: unlocking there fails (EPERM) and would leave the lock held for
 * ever (the child's next fork () or registration would hang), so the
 * child gets a fresh one instead.  Nothing else runs in the child yet. */
static void
edges_lock_release (void)
{
  if (pthread_mutex_unlock (&edges_lock) != 0)
    edges_lock = (pthread_mutex_t) PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
}

/* The edges lock is taken at fork () (ouro_add_fork_lock ()): a scan takes it under
 * the registry lock, and nothing takes the registry under it. */
void
ouro_gobject_edges_add_fork_lock (void)
{
  ouro_add_fork_lock (edges_lock_acquire, edges_lock_release);
}

static EdgesSet *
edges_set_new (void)
{
  EdgesSet *set = g_new (EdgesSet, 1);

  set->fields = g_array_new (FALSE, FALSE, sizeof (EdgesField));
  set->properties = g_array_new (FALSE, FALSE, sizeof (EdgesProperty));
  set->traversers = g_array_new (FALSE, FALSE, sizeof (OuroGObjectTraverseFunc));
  return set;
}

static void
edges_set_free (gpointer data)
{
  EdgesSet *set = data;

  g_array_unref (set->fields);
  g_array_unref (set->properties);
  g_array_unref (set->traversers);
  g_free (set);
}

/* Requires the lock.  Returns what @type registered itself, created empty
 * on first use; every plan is dropped, since the caller will change it. */
static EdgesSet *
edges_registered_for (GType type)
{
  EdgesSet *set;

  if (edges_registered == NULL)
    {
      edges_registered = g_hash_table_new_full (NULL, NULL, NULL, edges_set_free);
      edges_plans = g_hash_table_new_full (NULL, NULL, NULL, edges_set_free);
      g_atomic_int_set (&edges_any, 1);
    }
  g_hash_table_remove_all (edges_plans);
  edges_last_type = 0;
  edges_last_plan = NULL;

  set = g_hash_table_lookup (edges_registered, GSIZE_TO_POINTER (type));
  if (set == NULL)
    {
      set = edges_set_new ();
      g_hash_table_insert (edges_registered, GSIZE_TO_POINTER (type), set);
    }
  return set;
}

/* Requires the lock.  Returns the merged plan of @type, or NULL when
 * nothing is registered anywhere. */
static EdgesSet *
edges_plan_for (GType type)
{
  EdgesSet *plan;
  GArray *ancestry;

  if (edges_registered == NULL || g_hash_table_size (edges_registered) == 0)
    return NULL;
  if (type == edges_last_type)
    return edges_last_plan;

  plan = g_hash_table_lookup (edges_plans, GSIZE_TO_POINTER (type));
  if (plan == NULL)
    {
      plan = edges_set_new ();
      ancestry = g_array_new (FALSE, FALSE, sizeof (GType));
      for (GType t = type; t != 0; t = g_type_parent (t))
        g_array_prepend_val (ancestry, t);
      /* Ancestors first: the order a reader expects in a report. */
      for (guint i = 0; i < ancestry->len; i++)
        {
          EdgesSet *own = g_hash_table_lookup (edges_registered,
                                               GSIZE_TO_POINTER (g_array_index (ancestry, GType, i)));
          if (own == NULL)
            continue;
          g_array_append_vals (plan->fields, own->fields->data, own->fields->len);
          g_array_append_vals (plan->properties, own->properties->data, own->properties->len);
          g_array_append_vals (plan->traversers, own->traversers->data, own->traversers->len);
        }
      g_array_unref (ancestry);
      g_hash_table_insert (edges_plans, GSIZE_TO_POINTER (type), plan);
    }
  edges_last_type = type;
  edges_last_plan = plan;
  return plan;
}

void
ouro_gobject_visit_registered (GObject      *object,
                               OuroVisitFunc visit,
                               gpointer      user_data)
{
  EdgesSet *plan;

  /* A program that registers nothing pays no lock per object.  (One that
   * registers from another thread during a scan may miss those edges in
   * that scan, as it would by registering just after it.) */
  if (!g_atomic_int_get (&edges_any))
    return;
  pthread_mutex_lock (&edges_lock);
  plan = edges_plan_for (G_OBJECT_TYPE (object));
  if (plan == NULL)
    {
      pthread_mutex_unlock (&edges_lock);
      return;
    }

  for (guint i = 0; i < plan->fields->len; i++)
    {
      EdgesField *field = &g_array_index (plan->fields, EdgesField, i);
      gpointer target = G_STRUCT_MEMBER (gpointer, object, field->offset);

      ouro_gobject_visit (visit, target, field->label, user_data);
    }

  for (guint i = 0; i < plan->properties->len; i++)
    {
      EdgesProperty *property = &g_array_index (plan->properties, EdgesProperty, i);
      GValue value = G_VALUE_INIT;

      /* Registered properties are the one place a scan runs a getter: the
       * program asked for it. */
      g_value_init (&value, property->value_type);
      g_object_get_property (object, property->name, &value);
      ouro_gobject_visit (visit, g_value_get_object (&value), property->label, user_data);
      g_value_unset (&value);
    }

  for (guint i = 0; i < plan->traversers->len; i++)
    g_array_index (plan->traversers, OuroGObjectTraverseFunc, i) (object, visit, user_data);

  pthread_mutex_unlock (&edges_lock);
}

/**
 * ouro_gobject_add_field:
 * @type: a GObject type
 * @name: the member's name, shown in reports as "field NAME"
 * @offset: the member's offset in the instance struct
 *
 * Says that instances of @type (and its subtypes) hold a strong reference
 * to the GObject stored at @offset, or NULL.  OURO_GOBJECT_ADD_FIELD ()
 * computes the offset.  Register only references the object owns: a weak
 * or borrowed pointer registered here makes its target look over-held.
 */
void
ouro_gobject_add_field (GType       type,
                        const char *name,
                        gsize       offset)
{
  GTypeQuery query;
  EdgesField field;
  char *label;

  g_return_if_fail (g_type_is_a (type, G_TYPE_OBJECT));
  g_return_if_fail (name != NULL);
  g_type_query (type, &query);
  g_return_if_fail (offset >= sizeof (GObject));
  g_return_if_fail (offset + sizeof (gpointer) <= query.instance_size);

  label = g_strconcat ("field ", name, NULL);
  field.label = g_intern_string (label);
  field.offset = offset;
  g_free (label);

  pthread_mutex_lock (&edges_lock);
  g_array_append_val (edges_registered_for (type)->fields, field);
  pthread_mutex_unlock (&edges_lock);
}

/**
 * ouro_gobject_add_property:
 * @type: a GObject type
 * @property_name: a readable, object-valued property of @type
 *
 * Says that instances of @type (and its subtypes) hold a strong reference
 * to the object this property returns.  The scan reads it with
 * g_object_get_property (): register only properties whose getter has no
 * side effects.
 */
void
ouro_gobject_add_property (GType       type,
                           const char *property_name)
{
  GObjectClass *klass;
  GParamSpec *pspec;
  EdgesProperty property;
  char *label;

  g_return_if_fail (g_type_is_a (type, G_TYPE_OBJECT));
  g_return_if_fail (property_name != NULL);

  klass = g_type_class_ref (type);
  pspec = g_object_class_find_property (klass, property_name);
  g_type_class_unref (klass);
  if (pspec == NULL || (pspec->flags & G_PARAM_READABLE) == 0
      || !(g_type_is_a (pspec->value_type, G_TYPE_OBJECT)
           || G_TYPE_IS_INTERFACE (pspec->value_type)))
    {
      g_critical ("ouro_gobject_add_property: %s has no readable object-valued property \"%s\"",
                  g_type_name (type), property_name);
      return;
    }

  label = g_strconcat ("property ", pspec->name, NULL);
  property.name = g_intern_string (pspec->name);
  property.label = g_intern_string (label);
  property.value_type = pspec->value_type;
  g_free (label);

  pthread_mutex_lock (&edges_lock);
  g_array_append_val (edges_registered_for (type)->properties, property);
  pthread_mutex_unlock (&edges_lock);
}

/**
 * ouro_gobject_add_traverse:
 * @type: a GObject type
 * @func: visits the strong references an instance holds, once each, with
 *   a readable label, and no side effects
 *
 * Registers a traverse function for @type and its subtypes, for references
 * no field or property describes (a list, a hash table).  It runs inside
 * scans, after the fields and properties.
 */
void
ouro_gobject_add_traverse (GType                   type,
                           OuroGObjectTraverseFunc func)
{
  g_return_if_fail (g_type_is_a (type, G_TYPE_OBJECT));
  g_return_if_fail (func != NULL);

  pthread_mutex_lock (&edges_lock);
  g_array_append_val (edges_registered_for (type)->traversers, func);
  pthread_mutex_unlock (&edges_lock);
}
