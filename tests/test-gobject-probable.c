/* test-gobject-probable.c — the GObject candidates function: pointer
 * fields of the program's own types read from memory (public instance
 * struct and private struct), named from this executable's debug
 * information, making a probable cycle that is never proven garbage and
 * never collected; GWeakRefs and weak pointers left out while they are
 * set, counted again once cleared; the scopes (none, program) and their
 * misuse; and the leak check naming a field as the holder of a growing
 * type.
 *
 * Single-threaded.
 */
#include <string.h>

#include "ouro-gobject-private.h"

/* ---- types written the way applications write them ------------------- */

/* A document: a public field for its undo stack, a private one for its
 * buffer, and weak ones that must never count. */
typedef struct {
  GObject   parent_instance;
  GObject  *undo;
  GWeakRef  weak_undo;
  GObject  *weak_pointer;
} TestDoc;
typedef struct { GObjectClass parent_class; } TestDocClass;
typedef struct {
  GObject *buffer;
} TestDocPrivate;
static GType test_doc_get_type (void);
G_DEFINE_TYPE_WITH_PRIVATE (TestDoc, test_doc, G_TYPE_OBJECT)
#define TEST_TYPE_DOC (test_doc_get_type ())

static void test_doc_class_init (TestDocClass *klass) { }
static void test_doc_init (TestDoc *self) { g_weak_ref_init (&self->weak_undo, NULL); }

/* What the document holds: a plain public back-pointer to it. */
typedef struct {
  GObject  parent_instance;
  GObject *document;
} TestPart;
typedef struct { GObjectClass parent_class; } TestPartClass;
static GType test_part_get_type (void);
G_DEFINE_TYPE (TestPart, test_part, G_TYPE_OBJECT)
#define TEST_TYPE_PART (test_part_get_type ())

static void test_part_class_init (TestPartClass *klass) { }
static void test_part_init (TestPart *self) { }

static TestDocPrivate *
doc_priv (TestDoc *doc)
{
  return test_doc_get_instance_private (doc);
}

/* The label the report gives the word at @offset of @type's own part. */
static char *
field_label (GType    type,
             gboolean private_area,
             gsize    offset)
{
  return g_strdup_printf ("field %s", ouro_gobject_field_name (type, private_area, offset));
}

static char *
scan_text (OuroScanFlags flags)
{
  g_autoptr(OuroReport) report = ouro_scan (flags);

  return ouro_report_to_text (report);
}

/* A document and a part that hold each other through plain fields: a
 * cycle only memory shows. */
static void
make_field_cycle (TestDoc  **out_doc,
                  TestPart **out_part)
{
  TestDoc *doc = g_object_new (TEST_TYPE_DOC, NULL);
  TestPart *part = g_object_new (TEST_TYPE_PART, NULL);

  doc->undo = G_OBJECT (part);                 /* the document's reference */
  part->document = g_object_ref (G_OBJECT (doc));
  *out_doc = doc;
  *out_part = part;
}

static void
break_field_cycle (TestDoc  *doc,
                   TestPart *part)
{
  g_clear_object (&part->document);
  g_clear_object (&doc->undo);
  g_object_unref (doc);
}

/* ---- tests --------------------------------------------------------------- */

static void
test_public_fields (void)
{
  TestDoc *doc;
  TestPart *part;
  g_autofree char *undo = field_label (TEST_TYPE_DOC, FALSE, G_STRUCT_OFFSET (TestDoc, undo));
  g_autofree char *document = field_label (TEST_TYPE_PART, FALSE,
                                           G_STRUCT_OFFSET (TestPart, document));
  g_autofree char *text = NULL;
  g_autofree char *undo_edge = NULL, *document_edge = NULL;
  g_autoptr(OuroReport) report = NULL;

  make_field_cycle (&doc, &part);
  g_object_unref (doc);                        /* now only the part holds it */

  report = ouro_scan (OURO_SCAN_PROBABLE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 0);
  g_assert_cmpuint (ouro_report_get_n_probable (report), ==, 2);
  g_assert_cmpuint (ouro_report_get_n_probable_cycles (report), ==, 1);
  text = ouro_report_to_text (report);
  undo_edge = g_strdup_printf ("TestDoc --[%s]--> #", undo);
  document_edge = g_strdup_printf ("TestPart --[%s]--> #", document);
  g_assert_nonnull (strstr (text, undo_edge));
  g_assert_nonnull (strstr (text, document_edge));
  /* Built with -g, and the quick start installs libdw. */
  g_assert_cmpstr (undo, ==, "field undo");
  g_assert_cmpstr (document, ==, "field document");

  /* Never collected: the tier is not garbage. */
  g_assert_cmpuint (ouro_collect (), ==, 0);
  g_assert_cmpuint (G_OBJECT (doc)->ref_count, ==, 1);

  /* Without the flag, nothing is read. */
  g_clear_pointer (&text, g_free);
  text = scan_text (OURO_SCAN_GARBAGE);
  g_assert_null (strstr (text, "probable"));

  g_object_ref (doc);
  break_field_cycle (doc, part);
}

static void
test_private_field (void)
{
  TestDoc *doc = g_object_new (TEST_TYPE_DOC, NULL);
  TestPart *part = g_object_new (TEST_TYPE_PART, NULL);
  g_autofree char *buffer = field_label (TEST_TYPE_DOC, TRUE, G_STRUCT_OFFSET (TestDocPrivate, buffer));
  g_autofree char *edge = g_strdup_printf ("TestDoc --[%s]--> #", buffer);
  g_autofree char *text = NULL;

  doc_priv (doc)->buffer = G_OBJECT (part);
  part->document = G_OBJECT (doc);             /* the part takes over the test's reference */

  text = scan_text (OURO_SCAN_PROBABLE);
  g_assert_nonnull (strstr (text, edge));
  g_assert_cmpstr (buffer, ==, "field priv->buffer");

  part->document = NULL;
  g_clear_object (&doc_priv (doc)->buffer);
  g_object_unref (doc);
}

/* A GWeakRef or weak pointer to the part is no candidate while it is set:
 * with the document's strong field cleared, nothing closes the cycle. */
static void
test_weak_locations (void)
{
  TestDoc *doc;
  TestPart *part;
  GObject *strong;
  g_autofree char *text = NULL;

  make_field_cycle (&doc, &part);
  g_object_unref (doc);
  strong = doc->undo;
  doc->undo = NULL;

  g_weak_ref_set (&doc->weak_undo, strong);
  g_assert_true (ouro_gobject_weak_location_holds (&doc->weak_undo, strong));
  text = scan_text (OURO_SCAN_PROBABLE);
  g_assert_null (strstr (text, "Probable garbage cycle"));
  g_weak_ref_set (&doc->weak_undo, NULL);
  g_assert_false (ouro_gobject_weak_location_holds (&doc->weak_undo, strong));

  doc->weak_pointer = strong;
  g_object_add_weak_pointer (strong, (gpointer *) &doc->weak_pointer);
  g_assert_true (ouro_gobject_weak_location_holds (&doc->weak_pointer, strong));
  g_clear_pointer (&text, g_free);
  text = scan_text (OURO_SCAN_PROBABLE);
  g_assert_null (strstr (text, "Probable garbage cycle"));

  /* Removed, the same word is an ordinary pointer again. */
  g_object_remove_weak_pointer (strong, (gpointer *) &doc->weak_pointer);
  g_assert_false (ouro_gobject_weak_location_holds (&doc->weak_pointer, strong));
  g_clear_pointer (&text, g_free);
  text = scan_text (OURO_SCAN_PROBABLE);
  g_assert_nonnull (strstr (text, "Probable garbage cycle"));

  doc->weak_pointer = NULL;
  doc->undo = strong;
  g_weak_ref_clear (&doc->weak_undo);
  g_weak_ref_init (&doc->weak_undo, NULL);
  g_object_ref (doc);
  break_field_cycle (doc, part);
}

static void
test_scope (void)
{
  TestDoc *doc;
  TestPart *part;
  g_autofree char *text = NULL;

  g_assert_cmpint (ouro_gobject_get_field_scope (), ==, OURO_GOBJECT_FIELDS_PROGRAM);
  make_field_cycle (&doc, &part);
  g_object_unref (doc);

  ouro_gobject_set_field_scope (OURO_GOBJECT_FIELDS_NONE);
  text = scan_text (OURO_SCAN_PROBABLE);
  g_assert_null (strstr (text, "Probable garbage cycle"));

  /* Every type's fields: these are among them. */
  ouro_gobject_set_field_scope (OURO_GOBJECT_FIELDS_ALL);
  g_clear_pointer (&text, g_free);
  text = scan_text (OURO_SCAN_PROBABLE);
  g_assert_nonnull (strstr (text, "Probable garbage cycle"));

  ouro_gobject_set_field_scope (OURO_GOBJECT_FIELDS_PROGRAM);
  g_clear_pointer (&text, g_free);
  text = scan_text (OURO_SCAN_PROBABLE);
  g_assert_nonnull (strstr (text, "Probable garbage cycle"));

  g_object_ref (doc);
  break_field_cycle (doc, part);
}

static void
test_scope_misuse (void)
{
  if (g_test_subprocess ())
    {
      /* A critical, not an abort: the setting stays as it was. */
      g_log_set_always_fatal (G_LOG_FATAL_MASK);
      g_log_set_fatal_mask ("Ouro", G_LOG_FATAL_MASK);
      ouro_gobject_set_field_scope ((OuroGObjectFieldScope) 42);
      g_assert_cmpint (ouro_gobject_get_field_scope (), ==, OURO_GOBJECT_FIELDS_PROGRAM);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*CRITICAL*ouro_gobject_set_field_scope*");
}

/* The leak check: documents that leak through a field grow; the holder
 * chain of the newest names the field instead of "from outside". */
static GPtrArray *leaked;

static void
leak_one_document (gpointer user_data)
{
  TestDoc *doc;
  TestPart *part;

  make_field_cycle (&doc, &part);
  g_object_unref (doc);
  g_ptr_array_add (leaked, part);
}

static void
test_leak_check_holder (void)
{
  g_autoptr(OuroLeakCheck) check = ouro_leak_check_new ();
  g_autofree char *report = NULL;
  g_autofree char *undo = field_label (TEST_TYPE_DOC, FALSE, G_STRUCT_OFFSET (TestDoc, undo));
  g_autofree char *holder = g_strdup_printf ("<- [%s] of TestDoc", undo);

  leaked = g_ptr_array_new ();
  ouro_leak_check_set_warmup (check, 0);
  g_assert_false (ouro_leak_check_run (check, leak_one_document, NULL, 3, &report));
  g_test_message ("%s", report);
  g_assert_nonnull (strstr (report, "growing"));
  g_assert_nonnull (strstr (report, "3 probable garbage cycles (not proven: listed, not failing)"));
  g_assert_nonnull (strstr (report, "Probable garbage cycle 1"));
  g_assert_nonnull (strstr (report, "and 2 more probable garbage cycles of this shape"));
  g_assert_nonnull (strstr (report, holder));
  g_assert_nonnull (strstr (report, "(probable: a pointer field, maybe borrowed)"));
  g_assert_nonnull (strstr (report, "(a probable cycle: that object is already on this chain)"));

  for (guint i = 0; i < leaked->len; i++)
    {
      TestPart *part = leaked->pdata[i];
      TestDoc *doc = (TestDoc *) g_object_ref (part->document);

      break_field_cycle (doc, part);
    }
  g_ptr_array_unref (leaked);
}

/* With fail_on_probable, probable garbage fails the check; suppressing
 * its fingerprint passes it again.  Growth is set aside (a threshold no
 * run reaches) so that the tier alone decides. */
static void
test_leak_check_fail_on_probable (void)
{
  g_autoptr(OuroLeakCheck) check = ouro_leak_check_new ();
  g_autofree char *report = NULL;
  g_autofree char *fingerprint = NULL;
  const char *at;

  leaked = g_ptr_array_new ();
  ouro_leak_check_set_warmup (check, 0);
  ouro_leak_check_set_growth_threshold (check, 1000.0);
  g_assert_true (ouro_leak_check_run (check, leak_one_document, NULL, 2, NULL));

  ouro_leak_check_set_fail_on_probable (check, TRUE);
  g_assert_false (ouro_leak_check_run (check, leak_one_document, NULL, 2, &report));
  g_assert_nonnull (strstr (report, "LEAKS after 2 measured runs (0 warm-up): 2 probable garbage "
                                    "cycles\n"));
  at = strstr (report, "fingerprint: ");
  g_assert_nonnull (at);
  fingerprint = g_strndup (at + strlen ("fingerprint: "), 16);

  ouro_leak_check_suppress_cycle (check, fingerprint);
  g_assert_true (ouro_leak_check_run (check, leak_one_document, NULL, 2, NULL));

  for (guint i = 0; i < leaked->len; i++)
    {
      TestPart *part = leaked->pdata[i];

      break_field_cycle ((TestDoc *) g_object_ref (part->document), part);
    }
  g_ptr_array_unref (leaked);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  ouro_gobject_init ();

  g_test_add_func ("/gobject-probable/public-fields", test_public_fields);
  g_test_add_func ("/gobject-probable/private-field", test_private_field);
  g_test_add_func ("/gobject-probable/weak-locations", test_weak_locations);
  g_test_add_func ("/gobject-probable/scope", test_scope);
  g_test_add_func ("/gobject-probable/scope-misuse", test_scope_misuse);
  g_test_add_func ("/gobject-probable/leak-check-holder", test_leak_check_holder);
  g_test_add_func ("/gobject-probable/leak-check-fail-on-probable",
                   test_leak_check_fail_on_probable);
  return g_test_run ();
}
