/* test-gobject-fields.c — naming a word of a GObject's own memory after its
 * struct member (ouro_gobject_field_name ()), from this executable's debug
 * information (the tests are built with -g): private members
 * ("priv->buffer"), instance members after the parent ("owner"), nested
 * structs and unions ("inner.child", "slot.object"), arrays of pointers
 * and of structs ("items[1]", "pairs[1].second"), a word inside a
 * non-pointer member; and the fallbacks ("+0x8 of TestBarePrivate") for a
 * private area no struct describes, an offset no member covers, and a type
 * whose registering module is unknown.  Also the module lookup itself, and
 * four threads asking at once while the type's table is built.
 */
#include <string.h>

#include <gio/gio.h>

#include "ouro-gobject-private.h"

/* ---- types written the way applications write them ------------------- */

typedef struct { GObject parent_instance; } TestDoc;
typedef struct { GObjectClass parent_class; } TestDocClass;
typedef struct {
  int      revision;
  GObject *buffer;
  struct { GObject *current; GObject *saved; } state;
} TestDocPrivate;
static GType test_doc_get_type (void);
G_DEFINE_TYPE_WITH_PRIVATE (TestDoc, test_doc, G_TYPE_OBJECT)
#define TEST_TYPE_DOC (test_doc_get_type ())

static void
test_doc_dispose (GObject *object)
{
  TestDocPrivate *priv = test_doc_get_instance_private ((TestDoc *) object);

  g_clear_object (&priv->buffer);
  g_clear_object (&priv->state.current);
  g_clear_object (&priv->state.saved);
  G_OBJECT_CLASS (test_doc_parent_class)->dispose (object);
}

static void test_doc_class_init (TestDocClass *klass) { G_OBJECT_CLASS (klass)->dispose = test_doc_dispose; }
static void test_doc_init (TestDoc *self) { }

/* A public struct with fields after the parent instance. */
typedef struct _TestItem TestItem;
struct _TestItem {
  GObject  parent_instance;
  GObject *owner;
  guint    count;
  struct { int flags; GObject *child; } inner;
  GObject *items[3];
  struct { GObject *first; GObject *second; } pairs[2];
  union { GObject *object; guint64 bits; } slot;
  union { GObject *any; gsize raw; };      /* anonymous: its members are the item's */
  guint    dirty : 1;
};
typedef struct { GObjectClass parent_class; } TestItemClass;
static GType test_item_get_type (void);
G_DEFINE_TYPE (TestItem, test_item, G_TYPE_OBJECT)
#define TEST_TYPE_ITEM (test_item_get_type ())

static void test_item_class_init (TestItemClass *klass) { }
static void test_item_init (TestItem *self) { }

/* Asked from four threads at once: its table is built while they race. */
typedef struct _TestShared {
  GObject  parent_instance;
  GObject *left;
  GObject *right;
} TestShared;
typedef struct { GObjectClass parent_class; } TestSharedClass;
static GType test_shared_get_type (void);
G_DEFINE_TYPE (TestShared, test_shared, G_TYPE_OBJECT)

static void test_shared_class_init (TestSharedClass *klass) { }
static void test_shared_init (TestShared *self) { }

/* Registered by hand, with a private area of two words that no struct
 * describes, and an instance struct of no such name. */
static GType
test_bare_get_type (void)
{
  static GType type;

  if (type == 0)
    {
      type = g_type_register_static_simple (G_TYPE_OBJECT, "TestBare", sizeof (GObjectClass), NULL,
                                            sizeof (GObject) + 2 * sizeof (gpointer), NULL, 0);
      g_type_add_instance_private (type, 2 * sizeof (gpointer));
    }
  return type;
}

/* ---- tests ------------------------------------------------------------- */

static void
test_module_lookup (void)
{
  const char *module = ouro_gobject_type_module (TEST_TYPE_ITEM);
  char *exe = g_file_read_link ("/proc/self/exe", NULL);

  /* This executable registered it: its file, whatever argv[0] says. */
  g_assert_cmpstr (module, ==, exe);
  g_assert_true (module == g_intern_string (module));
  g_assert_true (ouro_gobject_type_module (TEST_TYPE_DOC) == module);
  /* A library's type, registered through the PLT: that library. */
  g_assert_nonnull (strstr (ouro_gobject_type_module (G_TYPE_LIST_STORE), "libgio-2.0.so"));
  /* libgobject registers its own types without the PLT: never seen. */
  g_assert_null (ouro_gobject_type_module (G_TYPE_OBJECT));
  g_free (exe);
}

static void
test_private_members (void)
{
  const char *name = ouro_gobject_field_name (TEST_TYPE_DOC, TRUE, G_STRUCT_OFFSET (TestDocPrivate, buffer));
  char *expected;

  g_assert_cmpstr (name, ==, "priv->buffer");
  /* Interned, and the same string every time. */
  g_assert_true (name == g_intern_string ("priv->buffer"));
  g_assert_true (ouro_gobject_field_name (TEST_TYPE_DOC, TRUE, G_STRUCT_OFFSET (TestDocPrivate, buffer)) == name);
  g_assert_cmpstr (ouro_gobject_field_name (TEST_TYPE_DOC, TRUE,
                                            G_STRUCT_OFFSET (TestDocPrivate, state.current)),
                   ==, "priv->state.current");
  g_assert_cmpstr (ouro_gobject_field_name (TEST_TYPE_DOC, TRUE,
                                            G_STRUCT_OFFSET (TestDocPrivate, state.saved)),
                   ==, "priv->state.saved");
  /* Not a pointer, still named. */
  g_assert_cmpstr (ouro_gobject_field_name (TEST_TYPE_DOC, TRUE, G_STRUCT_OFFSET (TestDocPrivate, revision)),
                   ==, "priv->revision");
  /* Past the private struct. */
  expected = g_strdup_printf ("+0x%" G_GSIZE_MODIFIER "x of TestDocPrivate", sizeof (TestDocPrivate));
  g_assert_cmpstr (ouro_gobject_field_name (TEST_TYPE_DOC, TRUE, sizeof (TestDocPrivate)), ==, expected);
  g_free (expected);
}

static void
test_instance_members (void)
{
  GType type = TEST_TYPE_ITEM;
  char *expected;

  g_assert_cmpstr (ouro_gobject_field_name (type, FALSE, G_STRUCT_OFFSET (TestItem, owner)), ==, "owner");
  g_assert_cmpstr (ouro_gobject_field_name (type, FALSE, G_STRUCT_OFFSET (TestItem, count)), ==, "count");
  g_assert_cmpstr (ouro_gobject_field_name (type, FALSE, G_STRUCT_OFFSET (TestItem, inner.child)),
                   ==, "inner.child");
  g_assert_cmpstr (ouro_gobject_field_name (type, FALSE, G_STRUCT_OFFSET (TestItem, items)), ==, "items[0]");
  g_assert_cmpstr (ouro_gobject_field_name (type, FALSE, G_STRUCT_OFFSET (TestItem, items[1])), ==, "items[1]");
  g_assert_cmpstr (ouro_gobject_field_name (type, FALSE, G_STRUCT_OFFSET (TestItem, items[2])), ==, "items[2]");
  g_assert_cmpstr (ouro_gobject_field_name (type, FALSE, G_STRUCT_OFFSET (TestItem, pairs[1].second)),
                   ==, "pairs[1].second");
  /* A union: its pointer member names the word. */
  g_assert_cmpstr (ouro_gobject_field_name (type, FALSE, G_STRUCT_OFFSET (TestItem, slot)), ==, "slot.object");
  g_assert_cmpstr (ouro_gobject_field_name (type, FALSE, G_STRUCT_OFFSET (TestItem, any)), ==, "any");
  /* The parent's part, which the struct describes too. */
  g_assert_cmpstr (ouro_gobject_field_name (type, FALSE, G_STRUCT_OFFSET (GObject, qdata)),
                   ==, "parent_instance.qdata");
  /* Past the struct: no member. */
  expected = g_strdup_printf ("+0x%" G_GSIZE_MODIFIER "x of TestItem", sizeof (TestItem) + 8);
  g_assert_cmpstr (ouro_gobject_field_name (type, FALSE, sizeof (TestItem) + 8), ==, expected);
  g_free (expected);
}

static void
test_fallbacks (void)
{
  GType bare = test_bare_get_type ();

  /* The module is known, but no struct describes the private area. */
  g_assert_nonnull (ouro_gobject_type_module (bare));
  g_assert_cmpstr (ouro_gobject_field_name (bare, TRUE, 0), ==, "+0x0 of TestBarePrivate");
  g_assert_cmpstr (ouro_gobject_field_name (bare, TRUE, 8), ==, "+0x8 of TestBarePrivate");
  g_assert_cmpstr (ouro_gobject_field_name (bare, FALSE, 0x18), ==, "+0x18 of TestBare");
  /* A registration never seen: no module, no debug information read. */
  g_assert_cmpstr (ouro_gobject_field_name (G_TYPE_OBJECT, FALSE, 8), ==, "+0x8 of GObject");
  g_assert_cmpstr (ouro_gobject_field_name (G_TYPE_OBJECT, TRUE, 0x10), ==, "+0x10 of GObjectPrivate");
  /* A library without debug information (no -dbgsym package): offsets,
   * or its members when it has them. */
  g_assert_nonnull (ouro_gobject_field_name (G_TYPE_LIST_STORE, FALSE, sizeof (GObject)));
}

#define THREADS_N      4
#define THREADS_ROUNDS 2000

static gint threads_ready;

static gpointer
threads_ask (gpointer data)
{
  GType type = test_shared_get_type ();

  /* Start together, so that the first calls race to build the table. */
  g_atomic_int_inc (&threads_ready);
  while (g_atomic_int_get (&threads_ready) < THREADS_N)
    ;
  for (guint i = 0; i < THREADS_ROUNDS; i++)
    {
      g_assert_cmpstr (ouro_gobject_field_name (type, FALSE, G_STRUCT_OFFSET (TestShared, left)), ==, "left");
      g_assert_cmpstr (ouro_gobject_field_name (type, FALSE, G_STRUCT_OFFSET (TestShared, right)), ==, "right");
      g_assert_cmpstr (ouro_gobject_field_name (type, TRUE, 8), ==, "+0x8 of TestSharedPrivate");
    }
  return NULL;
}

static void
test_threads (void)
{
  GThread *threads[THREADS_N];

  /* Registered here, asked first by the threads. */
  g_type_ensure (test_shared_get_type ());
  for (guint i = 0; i < THREADS_N; i++)
    threads[i] = g_thread_new ("fields", threads_ask, NULL);
  for (guint i = 0; i < THREADS_N; i++)
    g_thread_join (threads[i]);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  ouro_gobject_init ();

  /* Registered after init, as a program's types are. */
  g_type_ensure (TEST_TYPE_DOC);
  g_type_ensure (TEST_TYPE_ITEM);
  g_type_ensure (G_TYPE_LIST_STORE);

  g_test_add_func ("/gobject-fields/module-lookup", test_module_lookup);
  g_test_add_func ("/gobject-fields/private-members", test_private_members);
  g_test_add_func ("/gobject-fields/instance-members", test_instance_members);
  g_test_add_func ("/gobject-fields/fallbacks", test_fallbacks);
  g_test_add_func ("/gobject-fields/threads", test_threads);

  return g_test_run ();
}
