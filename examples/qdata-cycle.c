/* qdata-cycle.c — a cycle through object data: g_object_set_data_full ()
 * with g_object_unref as destroy notify is a strong reference that no
 * field shows.
 *
 * A Session owns a Cache (a field).  Code elsewhere attaches the session
 * to the cache as object data, with a reference, "so it stays valid":
 * g_object_set_data_full (cache, "session", g_object_ref (session),
 * g_object_unref).  Ouro sees the qdata edge as it is made and reports the
 * cycle; the fix holds the session in a GWeakRef instead.
 *
 * Usage: qdata-cycle.  Single-threaded.
 */
#include <stdio.h>

#include <ouro-gobject.h>

typedef struct { GObject parent; } Cache;
typedef struct { GObjectClass parent_class; } CacheClass;
static GType cache_get_type (void);
G_DEFINE_TYPE (Cache, cache, G_TYPE_OBJECT)
static void cache_class_init (CacheClass *klass) { }
static void cache_init (Cache *self) { }

typedef struct { GObject parent; Cache *cache; } Session;
typedef struct { GObjectClass parent_class; } SessionClass;
static GType session_get_type (void);
G_DEFINE_TYPE (Session, session, G_TYPE_OBJECT)

static void
session_dispose (GObject *object)
{
  g_clear_object (&((Session *) object)->cache);
  G_OBJECT_CLASS (session_parent_class)->dispose (object);
}

static void session_class_init (SessionClass *klass) { G_OBJECT_CLASS (klass)->dispose = session_dispose; }
static void session_init (Session *self) { self->cache = g_object_new (cache_get_type (), NULL); }

static void
weak_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

int
main (void)
{
  Session *session;
  OuroReport *report;
  GWeakRef *weak;
  char *text;
  guint n_leaked;

  ouro_gobject_init ();
  OURO_GOBJECT_ADD_FIELD (session_get_type (), Session, cache);

  printf ("== 1. The cache holds its session as object data, with a reference ==\n\n");
  session = g_object_new (session_get_type (), NULL);
  g_object_set_data_full (G_OBJECT (session->cache), "session", g_object_ref (session), g_object_unref);
  g_object_unref (session);

  report = ouro_scan (OURO_SCAN_GARBAGE);
  text = ouro_report_to_text (report);
  fputs (text, stdout);
  g_free (text);
  n_leaked = ouro_report_get_n_garbage (report);
  ouro_report_free (report);
  fflush (stdout);
  ouro_collect ();

  printf ("\n== 2. The fix: the cache holds a GWeakRef to its session ==\n\n");
  session = g_object_new (session_get_type (), NULL);
  weak = g_new0 (GWeakRef, 1);
  g_weak_ref_init (weak, session);
  g_object_set_data_full (G_OBJECT (session->cache), "session", weak, weak_ref_free);
  g_object_unref (session);

  report = ouro_scan (OURO_SCAN_GARBAGE);
  text = ouro_report_to_text (report);
  fputs (text, stdout);
  g_free (text);

  return n_leaked == 2 && ouro_report_get_n_garbage (report) == 0
         && (ouro_report_free (report), ouro_get_n_tracked () == 0) ? 0 : 1;
}
