/* ouro-gobject-signals.c — signal handlers that hold a GObject, recorded
 * as they are connected: g_signal_connect_data () with g_object_unref as
 * the data's destroy notify (the bound-callback back-reference),
 * g_signal_connect_object () (a weak edge), and
 * g_signal_connect_closure[_by_id] () with a closure that holds its object
 * (ouro-gobject-closures.c).  Also the labels of records, which
 * ouro-gobject-qdata.c uses too.
 *
 * MT safe: the interposers run on the connecting thread and record under
 * the records lock (ouro-gobject-records.c); the labels cache is per
 * thread.
 */
#include "config.h"

#include <string.h>

#include "ouro-gobject-records-private.h"

/* The interned label of a record of @kind: "signal SIGNAL: handler data",
 * "signal SIGNAL: g_signal_connect_object target" or "qdata NAME" of
 * @key.  Formatting and interning one cost as much as the rest of a
 * connect, so each thread keeps the labels it made last, direct-mapped by
 * kind and by the caller's signal string (compared with a copy too, as a
 * caller may reuse its buffer) or the qdata key. */
#define LABEL_CACHE_SIZE 32

typedef struct {
  OuroRecordKind kind;
  gconstpointer  key;      /* @signal as passed, or the quark */
  const char    *signal;   /* interned copy, NULL for qdata */
  const char    *label;    /* interned; NULL: empty entry */
} LabelCacheEntry;

static __thread LabelCacheEntry label_cache[LABEL_CACHE_SIZE];

const char *
ouro_gobject_interpose_label (OuroRecordKind  kind,
                              const char     *signal,
                              GQuark          key_quark)
{
  gconstpointer key = signal != NULL ? (gconstpointer) signal : GUINT_TO_POINTER (key_quark);
  guint i = ((guint) (((guint64) (guintptr) key * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15)) >> 59)
             ^ (guint) kind) & (LABEL_CACHE_SIZE - 1);
  LabelCacheEntry *entry = &label_cache[i];
  char *label;

  if (entry->label != NULL && entry->kind == kind && entry->key == key
      && (signal == NULL || strcmp (entry->signal, signal) == 0))
    return entry->label;

  if (kind == OURO_RECORD_QDATA)
    label = g_strconcat ("qdata ", g_quark_to_string (key_quark), NULL);
  else if (kind == OURO_RECORD_HANDLER_DATA)
    label = g_strconcat ("signal ", signal, ": handler data", NULL);
  else
    label = g_strconcat ("signal ", signal, ": g_signal_connect_object target", NULL);
  *entry = (LabelCacheEntry) { kind, key, signal != NULL ? g_intern_string (signal) : NULL,
                               g_intern_string (label) };
  g_free (label);
  return entry->label;
}

static void
interpose_record_handler (gpointer        instance,
                          gulong          handler_id,
                          OuroRecordKind  kind,
                          gpointer        target,
                          const char     *signal)
{
  if (handler_id == 0 || target == NULL || !ouro_gobject_is_initialized ()
      || !G_TYPE_CHECK_INSTANCE_TYPE (instance, G_TYPE_OBJECT))
    return;
  ouro_gobject_record_add (instance, kind, handler_id, target,
                           ouro_gobject_interpose_label (kind, signal, 0));
}

/* Records a handler connected with a closure its caller made, which may
 * be shared: see ouro-gobject-closures.c. */
static void
interpose_record_closure (gpointer    instance,
                          gulong      handler_id,
                          GClosure   *closure,
                          gpointer    target,
                          const char *signal)
{
  char *shared;

  if (handler_id == 0 || target == NULL || !ouro_gobject_is_initialized ()
      || !G_TYPE_CHECK_INSTANCE_TYPE (instance, G_TYPE_OBJECT)
      || !ouro_gobject_closure_note_handler (closure))
    return;
  shared = g_strconcat ("signal ", signal, ": handler closure", NULL);
  ouro_gobject_record_add_closure (instance, OURO_RECORD_HANDLER_DATA, handler_id, closure,
                                   target,
                                   ouro_gobject_interpose_label (OURO_RECORD_HANDLER_DATA,
                                                                 signal, 0),
                                   g_intern_string (shared));
  g_free (shared);
}

OURO_INTERPOSE gulong
g_signal_connect_data (gpointer       instance,
                       const gchar   *detailed_signal,
                       GCallback      c_handler,
                       gpointer       data,
                       GClosureNotify destroy_data,
                       GConnectFlags  connect_flags)
{
  gulong id;

  ouro_gobject_interpose_resolve ();
  id = ouro_gobject_real_funcs.connect_data (instance, detailed_signal, c_handler, data,
                                             destroy_data, connect_flags);
  if (ouro_gobject_is_unref_func ((gpointer) destroy_data))
    interpose_record_handler (instance, id, OURO_RECORD_HANDLER_DATA, data, detailed_signal);
  return id;
}

OURO_INTERPOSE gulong
g_signal_connect_closure (gpointer     instance,
                          const gchar *detailed_signal,
                          GClosure    *closure,
                          gboolean     after)
{
  gpointer held;
  gulong id;

  ouro_gobject_interpose_resolve ();
  held = closure != NULL ? ouro_gobject_closure_held_object (closure) : NULL;
  id = ouro_gobject_real_funcs.connect_closure (instance, detailed_signal, closure, after);
  interpose_record_closure (instance, id, closure, held, detailed_signal);
  return id;
}

OURO_INTERPOSE gulong
g_signal_connect_closure_by_id (gpointer  instance,
                                guint     signal_id,
                                GQuark    detail,
                                GClosure *closure,
                                gboolean  after)
{
  gpointer held;
  gulong id;

  ouro_gobject_interpose_resolve ();
  held = closure != NULL ? ouro_gobject_closure_held_object (closure) : NULL;
  id = ouro_gobject_real_funcs.connect_closure_by_id (instance, signal_id, detail, closure, after);
  if (id != 0 && held != NULL)
    {
      char *signal = detail != 0
                   ? g_strconcat (g_signal_name (signal_id), "::", g_quark_to_string (detail), NULL)
                   : g_strdup (g_signal_name (signal_id));
      interpose_record_closure (instance, id, closure, held, signal);
      g_free (signal);
    }
  return id;
}

OURO_INTERPOSE gulong
g_signal_connect_object (gpointer      instance,
                         const gchar  *detailed_signal,
                         GCallback     c_handler,
                         gpointer      gobject,
                         GConnectFlags connect_flags)
{
  gulong id;

  ouro_gobject_interpose_resolve ();
  id = ouro_gobject_real_funcs.connect_object (instance, detailed_signal, c_handler, gobject,
                                               connect_flags);
  interpose_record_handler (instance, id, OURO_RECORD_HANDLER_OBJECT, gobject, detailed_signal);
  return id;
}
