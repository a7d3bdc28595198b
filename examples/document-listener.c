/* document-listener.c — a refcounted C object model that leaks a cycle,
 * how Ouro finds and explains it, and the fix.
 *
 * A Document keeps strong references to its Listeners (it must keep them
 * alive to notify them).  A Listener that also keeps a *strong* reference
 * back to its Document closes a cycle: once the program drops its own
 * references, each keeps the other's refcount at one and neither is ever
 * freed.  valgrind and LeakSanitizer say nothing when such a cycle is
 * reachable from a global; Ouro names both objects, the two references that
 * close the loop, and the one to make weak.
 *
 * The fix: a Listener points back weakly (no ref); the Document clears that
 * pointer when it goes away.
 *
 * Usage: document-listener [--format text|json|dot]
 * Single-threaded; the model is not thread safe.
 */
#include <stdio.h>
#include <string.h>

#include <ouro.h>

typedef struct {
  int    refcount;
  char  *text;
} Buffer;

typedef struct {
  int        refcount;
  char      *name;
  Buffer    *buffer;       /* strong */
  GPtrArray *listeners;    /* strong: Listener* */
} Document;

typedef struct {
  int       refcount;
  char     *name;
  Document *document;      /* strong when holds_document, else weak */
  gboolean  holds_document;
} Listener;

static void document_unref (Document *document);
static void listener_unref (Listener *listener);

/* ---- Buffer ------------------------------------------------------------ */

static guint buffer_get_refcount (gpointer object) { return ((Buffer *) object)->refcount; }
static void  buffer_traverse (gpointer object, OuroVisitFunc visit, gpointer data) { }

static const OuroClass buffer_class = {
  .name = "Buffer",
  .get_refcount = buffer_get_refcount,
  .traverse = buffer_traverse,
};

static Buffer *
buffer_new (const char *text)
{
  Buffer *buffer = g_new0 (Buffer, 1);
  buffer->refcount = 1;
  buffer->text = g_strdup (text);
  ouro_track (buffer, &buffer_class);
  return buffer;
}

static void
buffer_unref (Buffer *buffer)
{
  if (--buffer->refcount > 0)
    return;
  ouro_untrack (buffer);
  g_free (buffer->text);
  g_free (buffer);
}

/* ---- Document ---------------------------------------------------------- */

static guint
document_get_refcount (gpointer object)
{
  return ((Document *) object)->refcount;
}

static void
document_traverse (gpointer      object,
                   OuroVisitFunc visit,
                   gpointer      data)
{
  Document *document = object;

  visit (document->buffer, "field buffer", data);
  for (guint i = 0; i < document->listeners->len; i++)
    visit (g_ptr_array_index (document->listeners, i), "field listeners[]", data);
}

static char *
document_describe (gpointer object)
{
  return g_strdup_printf ("\"%s\"", ((Document *) object)->name);
}

static void
document_ref (gpointer object)
{
  ((Document *) object)->refcount++;
}

/* Drops every reference the document holds: what ouro_collect() calls. */
static void
document_clear (gpointer object)
{
  Document *document = object;

  g_clear_pointer (&document->buffer, buffer_unref);
  for (guint i = 0; i < document->listeners->len; i++)
    {
      Listener *listener = g_ptr_array_index (document->listeners, i);
      if (!listener->holds_document)
        listener->document = NULL;        /* the weak pointer */
      listener_unref (listener);
    }
  g_ptr_array_set_size (document->listeners, 0);
}

static const OuroClass document_class = {
  .name = "Document",
  .get_refcount = document_get_refcount,
  .traverse = document_traverse,
  .describe = document_describe,
  .ref = document_ref,
  .unref = (void (*) (gpointer)) document_unref,
  .clear = document_clear,
};

static Document *
document_new (const char *name)
{
  Document *document = g_new0 (Document, 1);
  document->refcount = 1;
  document->name = g_strdup (name);
  document->buffer = buffer_new ("hello");
  document->listeners = g_ptr_array_new ();
  ouro_track (document, &document_class);
  return document;
}

static void
document_unref (Document *document)
{
  if (--document->refcount > 0)
    return;
  ouro_untrack (document);
  document_clear (document);
  g_ptr_array_unref (document->listeners);
  g_free (document->name);
  g_free (document);
}

/* ---- Listener ---------------------------------------------------------- */

static guint
listener_get_refcount (gpointer object)
{
  return ((Listener *) object)->refcount;
}

static void
listener_traverse (gpointer      object,
                   OuroVisitFunc visit,
                   gpointer      data)
{
  Listener *listener = object;

  /* Only a reference the listener owns is visited: a weak pointer is not. */
  if (listener->holds_document)
    visit (listener->document, "field document", data);
}

static char *
listener_describe (gpointer object)
{
  return g_strdup_printf ("\"%s\"", ((Listener *) object)->name);
}

static void
listener_ref (gpointer object)
{
  ((Listener *) object)->refcount++;
}

static void
listener_clear (gpointer object)
{
  Listener *listener = object;

  if (listener->holds_document)
    {
      listener->holds_document = FALSE;
      g_clear_pointer (&listener->document, document_unref);
    }
}

static const OuroClass listener_class = {
  .name = "Listener",
  .get_refcount = listener_get_refcount,
  .traverse = listener_traverse,
  .describe = listener_describe,
  .ref = listener_ref,
  .unref = (void (*) (gpointer)) listener_unref,
  .clear = listener_clear,
};

/* The listener is attached to @document; with @strong_back_reference it
 * also refs the document: the bug. */
static Listener *
listener_new (const char *name,
              Document   *document,
              gboolean    strong_back_reference)
{
  Listener *listener = g_new0 (Listener, 1);
  listener->refcount = 1;
  listener->name = g_strdup (name);
  listener->holds_document = strong_back_reference;
  listener->document = strong_back_reference ? (document->refcount++, document) : document;
  ouro_track (listener, &listener_class);

  listener->refcount++;
  g_ptr_array_add (document->listeners, listener);
  return listener;
}

static void
listener_unref (Listener *listener)
{
  if (--listener->refcount > 0)
    return;
  ouro_untrack (listener);
  listener_clear (listener);
  g_free (listener->name);
  g_free (listener);
}

/* ---- the demo ---------------------------------------------------------- */

static void
open_and_close_document (gboolean strong_back_reference)
{
  Document *document = document_new ("notes.txt");
  Listener *autosave = listener_new ("autosave", document, strong_back_reference);

  /* ... the program works with the document, then lets go of it ... */
  listener_unref (autosave);
  document_unref (document);
}

static char *
report_format (OuroReport *report,
               const char *format)
{
  if (g_strcmp0 (format, "json") == 0)
    return ouro_report_to_json (report);
  if (g_strcmp0 (format, "dot") == 0)
    return ouro_report_to_dot (report);
  return ouro_report_to_text (report);
}

int
main (int    argc,
      char **argv)
{
  const char *format = "text";
  FILE *narrative = stdout;
  OuroReport *report;
  char *text;
  guint n_collected;

  if (argc == 3 && strcmp (argv[1], "--format") == 0)
    format = argv[2];
  else if (argc != 1)
    {
      fprintf (stderr, "usage: %s [--format text|json|dot]\n", argv[0]);
      return 2;
    }

  /* With --format json or dot, stdout carries the report alone. */
  if (strcmp (format, "text") != 0)
    narrative = stderr;

  fprintf (narrative, "== 1. A listener that holds its document strongly ==\n\n");
  open_and_close_document (TRUE);
  report = ouro_scan (OURO_SCAN_GARBAGE);
  text = report_format (report, format);
  fputs (text, stdout);
  g_free (text);

  if (ouro_report_get_n_garbage (report) != 3)
    {
      fprintf (stderr, "document-listener: expected 3 garbage objects, found %u\n",
               ouro_report_get_n_garbage (report));
      return 1;
    }
  ouro_report_free (report);

  fflush (stdout);
  n_collected = ouro_collect ();
  fprintf (narrative, "\nouro_collect() broke the cycle: %u garbage objects found, %u still tracked\n",
           n_collected, ouro_get_n_tracked ());

  fprintf (narrative, "\n== 2. The fix: the listener points back weakly ==\n\n");
  open_and_close_document (FALSE);
  report = ouro_scan (OURO_SCAN_GARBAGE);
  text = ouro_report_to_text (report);
  fputs (text, narrative);
  g_free (text);
  n_collected = ouro_report_get_n_garbage (report);
  ouro_report_free (report);

  return n_collected == 0 && ouro_get_n_tracked () == 0 ? 0 : 1;
}
