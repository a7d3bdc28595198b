/* ouro-gobject-expressions.c — GTK 4 expressions (GtkExpression) as nodes
 * of their own OuroClass, "GtkExpression", and the references to them and
 * from them.
 *
 * MT safe: the layout check runs once (g_once); patching a class and the
 * table of original finalizers take expressions_lock, and the table is
 * read without it (entries are written before the count that publishes
 * them).  The traverse, refcount and describe functions run under the
 * registry lock, from a scan, and only read.  GTK itself is
 * single-threaded: expressions and the widgets holding them are read on
 * the scanning thread, which for a GTK program is its main thread.
 * Nothing here links against GTK: its functions are looked up in
 * libgtk-4.so.1 when the program first creates an expression.
 *
 * Expressions are refcounted (gtk_expression_ref/unref) GTypeInstances,
 * not GObjects.  The ones a program creates through the public
 * constructors (gtk_{constant,object,property,closure,cclosure}_expression_new
 * and the _for_value/_for_pspec variants) are tracked: the glue defines
 * those functions and forwards to GTK's.  libgtk-4 is linked with
 * -Bsymbolic, so the expressions GTK creates itself (GtkBuilder's
 * <lookup>, <closure>, <constant>) are never seen: they are not nodes, and
 * what they hold is left unexplained, which can only hide a cycle.
 *
 * A freed expression is never read.  GTK frees an expression from
 * gtk_expression_unref () when its count drops to 0, and GTK calls that
 * directly, not through the PLT, so interposing it would miss most frees.
 * Every free goes through the finalize function of the expression's class
 * (GtkExpressionClass.finalize, the first member after the GTypeClass):
 * before an expression of a class is first tracked, that class's slot is
 * replaced with expressions_finalize (), which untracks the expression
 * (waiting for a scan in progress, as ouro_untrack () does) and then calls
 * the class's own finalize.  Only classes whose parent is GtkExpression
 * are patched (all of GTK 4.8's): GTK's finalizers chain up through the
 * parent of the instance's type (GTK_EXPRESSION_SUPER), which is then the
 * unpatched GtkExpression class.  The glue patches GObjectClass.finalize
 * the same way (ouro-gobject-tracking.c).
 *
 * The layout, checked against GTK 4.8.3 (gtk/gtkexpression.c: struct
 * _GtkExpression, _GtkExpressionClass, _GtkClosureExpression,
 * gtk_expression_unref (), gtk_closure_expression_new (),
 * gtk_cclosure_expression_new ()), is verified at run time before anything
 * is tracked, on expressions made for the purpose: the refcount word moves
 * with the public ref and unref, a closure expression's closure, params
 * and their count are where the mirror below says, and the last unref
 * calls the class's finalize slot.  If any of that fails, no expression is
 * tracked and nothing here is read again.
 *
 * Edges:
 *   - a holder to its expression, "expression": GtkDropDown, GtkStringSorter,
 *     GtkStringFilter, GtkNumericSorter, GtkBoolFilter (each keeps one
 *     reference, read through its public getter, a plain field accessor in
 *     GTK 4.8.3; the "expression" property's getter would be application
 *     code, never run under the lock);
 *   - a closure or cclosure expression to each param, "expression param"
 *     (transfer full: gtk_closure_expression_finalize () unrefs each), and
 *     to its closure's data, "expression closure data", when the closure
 *     holds a GObject released with g_object_unref and the expression is
 *     the closure's only holder (refcount 1; a shared closure is a node of
 *     its own when ouro-gobject-closures.c tracks it: then
 *     "expression closure" points at it);
 *   - a property expression to the expression it reads from, "expression";
 *   - a constant expression to the GObject its value holds, "expression
 *     value" (g_value_copy () took a reference);
 *   - an object expression to its object: a weak reference
 *     (g_object_weak_ref), shown as "expression object", never counted.
 * Not yet: gtk_expression_bind () and GtkExpressionWatch (the watch's
 * reference to its expression is left unexplained: the expression stays
 * live).
 *
 * Expressions have no way to drop what they hold short of being freed:
 * the class has no ref, unref or clear, so ouro_collect () leaves them to
 * the GObjects of their cycle, whose dispose releases them.
 */
#include "config.h"

#include <pthread.h>
#include <string.h>

#include <gobject/gvaluecollector.h>

#include "ouro-gobject-records-private.h"

#define GTK "libgtk-4.so.1"

/* GTK 4.8.3 gtk/gtkexpression.c, the members read here. */
typedef struct {
  GTypeInstance parent_instance;
  gint          ref_count;        /* gatomicrefcount */
  GType         value_type;
  gpointer      owner;
} ExpressionMirror;

typedef struct {
  ExpressionMirror parent;
  GClosure        *closure;
  guint            n_params;
  gpointer        *params;
} ClosureExpressionMirror;

typedef void (*ExpressionFinalizeFunc) (gpointer expression);

/* The GtkExpressionClass slot patched: its first member after the GTypeClass. */
static inline ExpressionFinalizeFunc *
expressions_finalize_slot (gpointer klass)
{
  return (ExpressionFinalizeFunc *) ((char *) klass + sizeof (GTypeClass));
}

typedef gpointer (*ExpressionGetter)   (gpointer object);
typedef gpointer (*CClosureNewFunc)    (GType, GClosureMarshal, guint, gpointer *, GCallback,
                                        gpointer, GClosureNotify);
typedef gpointer (*ClosureNewFunc)     (GType, GClosure *, guint, gpointer *);
typedef gpointer (*PropertyNewFunc)    (GType, gpointer, const char *);
typedef gpointer (*PropertyPspecFunc)  (gpointer, GParamSpec *);
typedef gpointer (*ObjectNewFunc)      (GObject *);
typedef gpointer (*ConstantValueFunc)  (const GValue *);
typedef gpointer (*ExpressionRefFunc)  (gpointer);
typedef void     (*ExpressionUnrefFunc) (gpointer);
typedef GType    (*GetTypeFunc)        (void);

enum {
  KIND_NONE,
  KIND_CONSTANT,
  KIND_OBJECT,
  KIND_PROPERTY,
  KIND_CLOSURE,          /* and cclosure: one layout */
};

/* The holders of one expression, by type name and getter name. */
static const struct {
  const char *type_name;
  const char *getter_name;
} holder_names[] = {
  { "GtkDropDown",      "gtk_drop_down_get_expression" },
  { "GtkStringSorter",  "gtk_string_sorter_get_expression" },
  { "GtkStringFilter",  "gtk_string_filter_get_expression" },
  { "GtkNumericSorter", "gtk_numeric_sorter_get_expression" },
  { "GtkBoolFilter",    "gtk_bool_filter_get_expression" },
};
#define N_HOLDERS G_N_ELEMENTS (holder_names)

static struct {
  CClosureNewFunc     cclosure_new;
  ClosureNewFunc      closure_new;
  PropertyNewFunc     property_new;
  PropertyPspecFunc   property_new_for_pspec;
  ObjectNewFunc       object_new;
  ConstantValueFunc   constant_new_for_value;
  ExpressionRefFunc   ref;
  ExpressionUnrefFunc unref;
  ExpressionGetter    constant_get_value;
  ExpressionGetter    object_get_object;
  ExpressionGetter    property_get_expression;
  ExpressionGetter    property_get_pspec;
  GType               expression_type;
  GType               constant_type;
  GType               object_type;
  GType               property_type;
  GType               closure_type;
  GType               cclosure_type;
  GType               holder_types[N_HOLDERS];
  ExpressionGetter    holder_getters[N_HOLDERS];
} gtk;

static gsize    expressions_checked;
static gint     expressions_usable;     /* atomic: the layout held */

/* Patched classes: their type and the finalize they had.  Appended under
 * the lock; n_patched is stored (release) after the entry it publishes. */
#define MAX_PATCHED 16
static pthread_mutex_t expressions_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
  GType                  type;
  ExpressionFinalizeFunc finalize;
} patched[MAX_PATCHED];
static guint n_patched;

/* The layout check's last unref: set to the expression it expects
 * expressions_finalize () to see. */
static gpointer probe_expression;
static gboolean probe_seen;

static void expressions_finalize (gpointer expression);

/* ---- patching the classes' finalize ----------------------------------- */

static ExpressionFinalizeFunc
expressions_original_finalize (GType type)
{
  guint n = __atomic_load_n (&n_patched, __ATOMIC_ACQUIRE);

  /* The instance's class, or an ancestor whose class it copied. */
  for (GType t = type; t != 0; t = g_type_parent (t))
    {
      for (guint i = 0; i < n; i++)
        if (patched[i].type == t)
          return patched[i].finalize;
      if (t != type)
        {
          ExpressionFinalizeFunc own = *expressions_finalize_slot (g_type_class_peek (t));

          if (own != expressions_finalize)
            return own;
        }
    }
  return NULL;
}

/* Every expression of a patched class comes here when it is freed, on the
 * thread that drops its last reference, with no lock of ours held. */
static void
expressions_finalize (gpointer expression)
{
  ExpressionFinalizeFunc finalize;

  if (expression == __atomic_load_n (&probe_expression, __ATOMIC_RELAXED))
    __atomic_store_n (&probe_seen, TRUE, __ATOMIC_RELAXED);
  /* First: a scan reading it finishes before this returns, and none
   * starts reading it after. */
  ouro_untrack (expression);
  finalize = expressions_original_finalize (G_TYPE_FROM_INSTANCE (expression));
  if (finalize != NULL)
    finalize (expression);
}

/* After it: every expression of @type is untracked before it is freed, or
 * FALSE (then track none).  @type has an instance alive, so its class
 * exists. */
static gboolean
expressions_patch_class (GType type)
{
  ExpressionFinalizeFunc *slot;
  gboolean done = FALSE;

  if (g_type_parent (type) != gtk.expression_type)
    return FALSE;
  pthread_mutex_lock (&expressions_lock);
  for (guint i = 0; i < n_patched && !done; i++)
    done = patched[i].type == type;
  if (!done && n_patched < MAX_PATCHED)
    {
      slot = expressions_finalize_slot (g_type_class_peek (type));
      patched[n_patched].type = type;
      patched[n_patched].finalize = *slot;
      __atomic_store_n (&n_patched, n_patched + 1, __ATOMIC_RELEASE);
      __atomic_store_n (slot, expressions_finalize, __ATOMIC_RELEASE);
      done = TRUE;
    }
  pthread_mutex_unlock (&expressions_lock);
  return done;
}

/* ---- the layout check -------------------------------------------------- */

static void
expressions_probe_callback (void)
{
}

static gboolean
expressions_resolve (void)
{
#define LOOKUP(field, name) (gtk.field = ouro_gobject_interpose_lookup (GTK, name)) != NULL
  GetTypeFunc get_type[6];
  const char *get_type_names[6] = {
    "gtk_expression_get_type", "gtk_constant_expression_get_type",
    "gtk_object_expression_get_type", "gtk_property_expression_get_type",
    "gtk_closure_expression_get_type", "gtk_cclosure_expression_get_type",
  };
  GetTypeFunc major = ouro_gobject_interpose_lookup (GTK, "gtk_get_major_version");

  if (major == NULL || major () != 4)
    return FALSE;
  if (!(LOOKUP (cclosure_new, "gtk_cclosure_expression_new")
        && LOOKUP (closure_new, "gtk_closure_expression_new")
        && LOOKUP (property_new, "gtk_property_expression_new")
        && LOOKUP (property_new_for_pspec, "gtk_property_expression_new_for_pspec")
        && LOOKUP (object_new, "gtk_object_expression_new")
        && LOOKUP (constant_new_for_value, "gtk_constant_expression_new_for_value")
        && LOOKUP (ref, "gtk_expression_ref")
        && LOOKUP (unref, "gtk_expression_unref")
        && LOOKUP (constant_get_value, "gtk_constant_expression_get_value")
        && LOOKUP (object_get_object, "gtk_object_expression_get_object")
        && LOOKUP (property_get_expression, "gtk_property_expression_get_expression")
        && LOOKUP (property_get_pspec, "gtk_property_expression_get_pspec")))
    return FALSE;
#undef LOOKUP
  for (guint i = 0; i < G_N_ELEMENTS (get_type); i++)
    if ((get_type[i] = ouro_gobject_interpose_lookup (GTK, get_type_names[i])) == NULL)
      return FALSE;
  gtk.expression_type = get_type[0] ();
  gtk.constant_type = get_type[1] ();
  gtk.object_type = get_type[2] ();
  gtk.property_type = get_type[3] ();
  gtk.closure_type = get_type[4] ();
  gtk.cclosure_type = get_type[5] ();
  for (guint i = 0; i < N_HOLDERS; i++)
    gtk.holder_getters[i] = ouro_gobject_interpose_lookup (GTK, holder_names[i].getter_name);
  return TRUE;
}

/* Returns whether GTK's expressions are laid out as the mirrors say, on
 * expressions made here (never tracked). */
static gboolean
expressions_check_layout (void)
{
  GValue value = G_VALUE_INIT;
  ExpressionMirror *constant, *param;
  ClosureExpressionMirror *closure;
  int marker;
  gboolean ok;

  g_value_init (&value, G_TYPE_INT);
  g_value_set_int (&value, 7);
  constant = gtk.constant_new_for_value (&value);
  param = gtk.constant_new_for_value (&value);
  g_value_unset (&value);
  if (constant == NULL || param == NULL)
    return FALSE;

  /* The refcount word follows the public ref and unref. */
  ok = G_TYPE_CHECK_INSTANCE_TYPE (constant, gtk.expression_type)
       && g_atomic_int_get (&constant->ref_count) == 1;
  if (ok)
    {
      gtk.ref (constant);
      ok = g_atomic_int_get (&constant->ref_count) == 2;
      gtk.unref (constant);
      ok = ok && g_atomic_int_get (&constant->ref_count) == 1;
    }

  /* A cclosure expression's closure, params and their count. */
  closure = gtk.cclosure_new (G_TYPE_INT, NULL, 1, (gpointer *) &param,
                              G_CALLBACK (expressions_probe_callback), &marker, NULL);
  ok = ok && closure != NULL
       && G_TYPE_CHECK_INSTANCE_TYPE (closure, gtk.cclosure_type)
       && g_atomic_int_get (&closure->parent.ref_count) == 1
       && closure->closure != NULL && closure->closure->data == &marker
       && closure->n_params == 1 && closure->params[0] == param;
  if (closure != NULL)
    gtk.unref (closure);   /* and its param */
  else
    gtk.unref (param);

  /* The last unref calls the class's finalize slot: patched here, it
   * stays (the constant class would be patched anyway); if the slot is
   * something else, it gets its function back. */
  if (ok && expressions_patch_class (gtk.constant_type))
    {
      __atomic_store_n (&probe_expression, constant, __ATOMIC_RELAXED);
      gtk.unref (constant);
      ok = __atomic_load_n (&probe_seen, __ATOMIC_RELAXED);
      __atomic_store_n (&probe_expression, NULL, __ATOMIC_RELAXED);
      if (!ok)
        __atomic_store_n (expressions_finalize_slot (g_type_class_peek (gtk.constant_type)),
                          expressions_original_finalize (gtk.constant_type), __ATOMIC_RELEASE);
    }
  else
    gtk.unref (constant);
  return ok;
}

/* Returns whether expressions may be tracked and read.  Called from the
 * constructors (GTK is loaded: they are GTK's). */
static gboolean
expressions_ready (void)
{
  if (g_once_init_enter (&expressions_checked))
    {
      gboolean usable = expressions_resolve () && expressions_check_layout ();

      if (!usable && gtk.constant_new_for_value != NULL)
        g_message ("ouro: GTK expressions are not laid out as in GTK 4.8: they are not "
                   "followed (cycles through them are not found)");
      g_atomic_int_set (&expressions_usable, usable);
      g_once_init_leave (&expressions_checked, 1);
    }
  return g_atomic_int_get (&expressions_usable);
}

/* ---- the OuroClass ---------------------------------------------------- */

static guint
expression_kind (gpointer expression)
{
  GType type = G_TYPE_FROM_INSTANCE (expression);

  return type == gtk.constant_type ? KIND_CONSTANT
       : type == gtk.object_type ? KIND_OBJECT
       : type == gtk.property_type ? KIND_PROPERTY
       : type == gtk.closure_type || type == gtk.cclosure_type ? KIND_CLOSURE
       : KIND_NONE;
}

static guint
expression_get_refcount (gpointer object)
{
  return (guint) g_atomic_int_get (&((ExpressionMirror *) object)->ref_count);
}

/* Visits what a closure expression's closure holds: the closure itself
 * when it is a node (shared by handlers), else its object when the
 * expression is its only holder. */
static void
expression_visit_closure (GClosure      *closure,
                          OuroVisitFunc  visit,
                          gpointer       user_data)
{
  if (closure == NULL)
    return;
  if (ouro_is_tracked (closure))
    visit (closure, "expression closure", user_data);
  else if (ouro_gobject_closure_refcount (closure) == 1)
    ouro_gobject_visit (visit, ouro_gobject_closure_held_object (closure),
                        "expression closure data", user_data);
}

static void
expression_traverse (gpointer      object,
                     OuroVisitFunc visit,
                     gpointer      user_data)
{
  /* Refcount 0: being finalized, waiting for this scan in its untrack. */
  if (expression_get_refcount (object) == 0)
    return;

  switch (expression_kind (object))
    {
    case KIND_CONSTANT:
      {
        const GValue *value = gtk.constant_get_value (object);

        if (value != NULL && G_VALUE_HOLDS_OBJECT (value))
          ouro_gobject_visit (visit, g_value_get_object (value), "expression value", user_data);
      }
      break;

    case KIND_OBJECT:
      ouro_visit_weak (visit, gtk.object_get_object (object), "expression object", user_data);
      break;

    case KIND_PROPERTY:
      ouro_gobject_visit (visit, gtk.property_get_expression (object), "expression", user_data);
      break;

    case KIND_CLOSURE:
      {
        ClosureExpressionMirror *self = object;

        expression_visit_closure (self->closure, visit, user_data);
        for (guint i = 0; i < self->n_params; i++)
          ouro_gobject_visit (visit, self->params[i], "expression param", user_data);
      }
      break;

    default:
      break;
    }
}

static const char *
expression_get_type_name (gpointer object)
{
  return g_type_name (G_TYPE_FROM_INSTANCE (object));
}

/* Type names and a property name: GLib and GTK fields, no application code. */
static char *
expression_describe (gpointer object)
{
  ExpressionMirror *self = object;
  const char *value_type = g_type_name (self->value_type);

  if (expression_kind (object) == KIND_PROPERTY)
    {
      GParamSpec *pspec = gtk.property_get_pspec (object);

      return g_strdup_printf ("%s %p property=\"%s:%s\"", expression_get_type_name (object),
                              object, g_type_name (pspec->owner_type), pspec->name);
    }
  return g_strdup_printf ("%s %p value_type=%s", expression_get_type_name (object), object,
                          value_type != NULL ? value_type : "?");
}

static const OuroClass expression_class = {
  .name = "GtkExpression",
  .get_refcount = expression_get_refcount,
  .traverse = expression_traverse,
  .get_type_name = expression_get_type_name,
  .describe = expression_describe,
};

/* Tracks @expression, just made by a public constructor, when its class
 * can be followed.  Returns @expression. */
static gpointer
expressions_track (gpointer expression)
{
  if (expression != NULL && ouro_gobject_is_initialized () && expressions_ready ()
      && expression_kind (expression) != KIND_NONE
      && expressions_patch_class (G_TYPE_FROM_INSTANCE (expression)))
    ouro_track (expression, &expression_class);
  return expression;
}

/* ---- the holders -------------------------------------------------------- */

/* GType -> holder index + 1, or 0.  Under the registry lock (scans are
 * serialised).  A collision only costs a g_type_is_a (). */
static OuroGObjectTypeCacheEntry holders_cache[OURO_GOBJECT_TYPE_CACHE_SIZE];

static guint32
expressions_classify_holder (GType type)
{
  guint32 holder = 0;

  /* An instance of a holder type means it is registered: looking the
   * types up before classifying can only find it. */
  for (guint i = 0; i < N_HOLDERS && holder == 0; i++)
    {
      if (gtk.holder_types[i] == 0)
        gtk.holder_types[i] = g_type_from_name (holder_names[i].type_name);
      if (gtk.holder_types[i] != 0 && gtk.holder_getters[i] != NULL
          && g_type_is_a (type, gtk.holder_types[i]))
        holder = i + 1;
    }
  return holder;
}

static guint
expressions_holder_of (GType type)
{
  return ouro_gobject_type_cache_get (holders_cache, type, expressions_classify_holder);
}

void
ouro_gobject_visit_expression_holders (GObject      *object,
                                       OuroVisitFunc visit,
                                       gpointer      user_data)
{
  guint holder;

  /* No expression was ever tracked: nothing to point at. */
  if (!g_atomic_int_get (&expressions_usable))
    return;
  holder = expressions_holder_of (G_OBJECT_TYPE (object));
  if (holder != 0)
    ouro_gobject_visit (visit, gtk.holder_getters[holder - 1] (object), "expression", user_data);
}

/* ---- the interposed constructors ---------------------------------------- */

/* GTK's prototypes, without including GTK's headers. */
gpointer gtk_cclosure_expression_new (GType, GClosureMarshal, guint, gpointer *, GCallback,
                                      gpointer, GClosureNotify);
gpointer gtk_closure_expression_new (GType, GClosure *, guint, gpointer *);
gpointer gtk_property_expression_new (GType, gpointer, const char *);
gpointer gtk_property_expression_new_for_pspec (gpointer, GParamSpec *);
gpointer gtk_object_expression_new (GObject *);
gpointer gtk_constant_expression_new (GType, ...);
gpointer gtk_constant_expression_new_for_value (const GValue *);

/* GTK's own constructor, looked up once.  The caller is GTK's user, so
 * GTK is loaded. */
#define EXPRESSIONS_REAL(field, name)                                           \
  G_STMT_START {                                                                \
    if (gtk.field == NULL)                                                      \
      gtk.field = ouro_gobject_interpose_lookup (GTK, name);                    \
    if (gtk.field == NULL)                                                      \
      {                                                                         \
        g_critical ("ouro: %s called but " GTK " is not loaded", name);         \
        return NULL;                                                            \
      }                                                                         \
  } G_STMT_END

OURO_INTERPOSE gpointer
gtk_cclosure_expression_new (GType           value_type,
                             GClosureMarshal marshal,
                             guint           n_params,
                             gpointer       *params,
                             GCallback       callback_func,
                             gpointer        user_data,
                             GClosureNotify  user_destroy)
{
  EXPRESSIONS_REAL (cclosure_new, "gtk_cclosure_expression_new");
  return expressions_track (gtk.cclosure_new (value_type, marshal, n_params, params,
                                              callback_func, user_data, user_destroy));
}

OURO_INTERPOSE gpointer
gtk_closure_expression_new (GType     value_type,
                            GClosure *closure,
                            guint     n_params,
                            gpointer *params)
{
  EXPRESSIONS_REAL (closure_new, "gtk_closure_expression_new");
  return expressions_track (gtk.closure_new (value_type, closure, n_params, params));
}

OURO_INTERPOSE gpointer
gtk_property_expression_new (GType       this_type,
                             gpointer    expression,
                             const char *property_name)
{
  EXPRESSIONS_REAL (property_new, "gtk_property_expression_new");
  return expressions_track (gtk.property_new (this_type, expression, property_name));
}

OURO_INTERPOSE gpointer
gtk_property_expression_new_for_pspec (gpointer    expression,
                                       GParamSpec *pspec)
{
  EXPRESSIONS_REAL (property_new_for_pspec, "gtk_property_expression_new_for_pspec");
  return expressions_track (gtk.property_new_for_pspec (expression, pspec));
}

OURO_INTERPOSE gpointer
gtk_object_expression_new (GObject *object)
{
  EXPRESSIONS_REAL (object_new, "gtk_object_expression_new");
  return expressions_track (gtk.object_new (object));
}

OURO_INTERPOSE gpointer
gtk_constant_expression_new_for_value (const GValue *value)
{
  EXPRESSIONS_REAL (constant_new_for_value, "gtk_constant_expression_new_for_value");
  return expressions_track (gtk.constant_new_for_value (value));
}

/* Variadic: collected here, as GTK does (G_VALUE_NOCOPY_CONTENTS: the
 * value borrows what the arguments point at, and _for_value copies it). */
OURO_INTERPOSE gpointer
gtk_constant_expression_new (GType value_type,
                             ...)
{
  GValue value = G_VALUE_INIT;
  gpointer result;
  char *error = NULL;
  va_list args;

  EXPRESSIONS_REAL (constant_new_for_value, "gtk_constant_expression_new_for_value");
  va_start (args, value_type);
  G_VALUE_COLLECT_INIT (&value, value_type, args, G_VALUE_NOCOPY_CONTENTS, &error);
  va_end (args);
  if (error != NULL)
    {
      g_critical ("%s: %s", G_STRFUNC, error);
      g_free (error);
      return NULL;
    }
  result = expressions_track (gtk.constant_new_for_value (&value));
  g_value_unset (&value);
  return result;
}
