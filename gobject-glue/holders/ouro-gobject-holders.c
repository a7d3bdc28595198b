/* ouro-gobject-holders.c — what holds a GObject from outside the tracked
 * graph, for reports to name (DESIGN "Explained roots"): main-context
 * sources whose callback data is the object, released with
 * g_object_unref, and toggle references of language bindings.  These are
 * not edges (no tracked object holds the reference: it really comes from
 * outside), so a scan's arithmetic never sees them; the core asks the
 * holder function (ouro_set_holder_func ()) about each object held from
 * outside, and it answers with ouro_explanation_add_holder ().
 *
 * MT safe: one lock guards the table of source records; it is taken after
 * the registry lock (the holder function runs under it) and never held
 * while GLib or application code runs.
 *
 * Sources: g_timeout_add_full (), g_timeout_add_seconds_full (),
 * g_idle_add_full () and g_source_set_callback () are interposed (libglib
 * calls its own set_callback directly, so the first three are seen only
 * here).  When the data is a GObject released by g_object_unref, the
 * first three do what GLib documents for them with its public functions
 * (make the timeout or idle source, set its priority and callback, attach
 * it to the global default context, drop the local reference), recording
 * the source before it is attached, so no other thread can destroy it
 * first.  The destroy notify GLib gets is this file's, which calls the
 * caller's last: GLib calls it exactly when the source lets go of the
 * data (destroyed, callback replaced, or source finalized).
 *
 * Ouro holds no reference on a source, so it never keeps one alive longer
 * than GLib would.  A record's GSource pointer is read only while the
 * record exists, under the lock, and a record exists only while GLib has
 * not released that callback: GLib releases a source's callback before it
 * frees the source, and the release waits here for the lock.  GLib clears
 * source->callback_data before it calls the notify, so the notify drops
 * the records of that data whose callback is gone; two sources with the
 * same data released at once on two threads are both dropped by whichever
 * notify runs first, which is still before either source is freed.
 *
 * A source that holds the object whose code added it (the caller's
 * function is named after the object's type, clock_face_init for a
 * ClockFace) is flagged as a likely leak.
 *
 * Pending GTasks (their source objects, and the user data of pending
 * calls) are named by ouro-gobject-tasks.c, called from here.
 */
#define _GNU_SOURCE   /* dladdr */
#include "config.h"

#include <dlfcn.h>
#include <pthread.h>
#include <string.h>

#include "ouro-gobject-private.h"
#include "../edges/ouro-gobject-records-private.h"

typedef guint (*TimeoutAddFullFunc) (gint, guint, GSourceFunc, gpointer, GDestroyNotify);
typedef guint (*IdleAddFullFunc)    (gint, GSourceFunc, gpointer, GDestroyNotify);
typedef void  (*SetCallbackFunc)    (GSource *, GSourceFunc, gpointer, GDestroyNotify);

typedef enum {
  HOLDERS_TIMEOUT,           /* interval in ms */
  HOLDERS_TIMEOUT_SECONDS,   /* interval in s */
  HOLDERS_IDLE,
  HOLDERS_SOURCE,            /* g_source_set_callback: any kind of source */
} HoldersSourceKind;

/* A source whose callback holds one reference on @object. */
typedef struct {
  GSource           *source;    /* no reference: see the file comment */
  gpointer           callback;  /* source->callback_data once set */
  GDestroyNotify     notify;    /* the caller's */
  HoldersSourceKind  kind;
  guint              interval;
  char              *name;      /* g_source_get_name () when recorded, or NULL */
  guintptr           caller;    /* return address into the code that added it */
} SourceRecord;

static pthread_mutex_t holders_lock = PTHREAD_MUTEX_INITIALIZER;
static GHashTable     *holders_sources;   /* GObject * -> GPtrArray of SourceRecord * */
static OuroGObjectSymboliseFunc holders_symbolise;   /* atomic; NULL: dladdr */
static GMainContext   *holders_default_context;      /* set once, at init */

static gsize              holders_resolved;
static TimeoutAddFullFunc real_timeout_add_full;
static TimeoutAddFullFunc real_timeout_add_seconds_full;
static IdleAddFullFunc    real_idle_add_full;
static SetCallbackFunc    real_set_callback;

static void holders_lock_acquire (void) { pthread_mutex_lock (&holders_lock); }
static void holders_lock_release (void) { pthread_mutex_unlock (&holders_lock); }

static void
holders_resolve (void)
{
  if (g_once_init_enter (&holders_resolved))
    {
      const char *glib = "libglib-2.0.so.0";

      real_timeout_add_full = ouro_gobject_interpose_lookup (glib, "g_timeout_add_full");
      real_timeout_add_seconds_full = ouro_gobject_interpose_lookup (glib,
                                                                     "g_timeout_add_seconds_full");
      real_idle_add_full = ouro_gobject_interpose_lookup (glib, "g_idle_add_full");
      real_set_callback = ouro_gobject_interpose_lookup (glib, "g_source_set_callback");
      g_assert (real_timeout_add_full != NULL && real_set_callback != NULL);
      g_once_init_leave (&holders_resolved, 1);
    }
}

void
ouro_gobject_holders_set_symbolise_func (OuroGObjectSymboliseFunc func)
{
  g_atomic_pointer_set (&holders_symbolise, func);
}

char *
ouro_gobject_symbolise_dladdr (guintptr address)
{
  Dl_info info;
  const char *module;

  if (dladdr ((gpointer) (address - 1), &info) == 0 || info.dli_fname == NULL)
    return g_strdup_printf ("0x%" G_GINT64_MODIFIER "x", (guint64) address);
  module = strrchr (info.dli_fname, '/') != NULL ? strrchr (info.dli_fname, '/') + 1
                                                 : info.dli_fname;
  if (info.dli_sname != NULL)
    return g_strdup_printf ("%s+0x%" G_GINT64_MODIFIER "x (%s)", info.dli_sname,
                            (guint64) (address - (guintptr) info.dli_saddr), module);
  return g_strdup_printf ("0x%" G_GINT64_MODIFIER "x (%s+0x%" G_GINT64_MODIFIER "x)",
                          (guint64) address, module,
                          (guint64) (address - (guintptr) info.dli_fbase));
}

static void
source_record_free (gpointer data)
{
  SourceRecord *record = data;

  g_free (record->name);
  g_free (record);
}

/* Requires the lock.  Whether @record's source still holds its object. */
static gboolean
holders_source_holds (const SourceRecord *record)
{
  GSource *source = record->source;

  /* GLib's own test for a destroyed source (gmain.c's SOURCE_DESTROYED),
   * read directly: g_source_is_destroyed () complains about a source
   * whose refcount reached 0, whose callback may not be released yet. */
  return (g_atomic_int_get ((gint *) &source->flags) & G_HOOK_FLAG_ACTIVE) != 0
         && g_atomic_pointer_get (&source->callback_data) == record->callback;
}

/* GLib's destroy notify for a recorded source's data: the source lets go
 * of it.  After it, no record of @data names a released callback, and the
 * caller's notify has run. */
static void
holders_source_released (gpointer data)
{
  GDestroyNotify notify = NULL;
  GPtrArray *records;

  pthread_mutex_lock (&holders_lock);
  records = holders_sources != NULL ? g_hash_table_lookup (holders_sources, data) : NULL;
  for (guint i = 0; records != NULL && i < records->len; i++)
    {
      SourceRecord *record = records->pdata[i];

      if (g_atomic_pointer_get (&record->source->callback_data) != record->callback)
        {
          notify = record->notify;
          g_ptr_array_remove_index_fast (records, i--);
        }
    }
  if (records != NULL && records->len == 0)
    g_hash_table_remove (holders_sources, data);
  pthread_mutex_unlock (&holders_lock);

  /* Released by another source's notify, run first: every recorded notify
   * is an unref function (ouro_gobject_is_unref_func ()). */
  if (notify == NULL)
    notify = g_object_unref;
  /* Last: a tail call, so the caller's notify sees GLib's return address. */
  notify (data);
}

/* Records that @source's callback, just set by GLib with
 * holders_source_released as notify, holds @object.  Requires a reference
 * on @source held by the caller. */
static void
holders_record_source (GSource           *source,
                       GObject           *object,
                       GDestroyNotify     notify,
                       HoldersSourceKind  kind,
                       guint              interval,
                       guintptr           caller)
{
  SourceRecord *record = g_new0 (SourceRecord, 1);
  GPtrArray *records;

  record->source = source;
  record->callback = g_atomic_pointer_get (&source->callback_data);
  record->notify = notify;
  record->kind = kind;
  record->interval = interval;
  record->name = g_strdup (g_source_get_name (source));
  record->caller = caller;

  pthread_mutex_lock (&holders_lock);
  if (holders_sources == NULL)
    holders_sources = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref);
  records = g_hash_table_lookup (holders_sources, object);
  if (records == NULL)
    {
      records = g_ptr_array_new_with_free_func (source_record_free);
      g_hash_table_insert (holders_sources, object, records);
    }
  /* An attached source may have been destroyed, and its notify run,
   * since GLib set the callback: then it is not recorded. */
  if (holders_source_holds (record))
    g_ptr_array_add (records, record);
  else
    source_record_free (record);
  if (records->len == 0)
    g_hash_table_remove (holders_sources, object);
  pthread_mutex_unlock (&holders_lock);
}

/* Whether the glue follows a source whose callback gets @data, @notify. */
static gboolean
holders_follows (gpointer       data,
                 GDestroyNotify notify)
{
  return data != NULL && ouro_gobject_is_initialized ()
         && ouro_gobject_is_unref_func ((gpointer) notify)
         && G_TYPE_CHECK_INSTANCE_TYPE (data, G_TYPE_OBJECT);
}

/* g_timeout_add_full () and its kin, made of GLib's public functions so
 * that the source is recorded before it is attached. */
static guint
holders_add_source (GSource           *source,
                    gint               priority,
                    gint               default_priority,
                    GSourceFunc        function,
                    gpointer           data,
                    GDestroyNotify     notify,
                    HoldersSourceKind  kind,
                    guint              interval,
                    guintptr           caller)
{
  guint id;

  if (priority != default_priority)
    g_source_set_priority (source, priority);
  real_set_callback (source, function, data, holders_source_released);
  holders_record_source (source, data, notify, kind, interval, caller);
  id = g_source_attach (source, NULL);
  g_source_unref (source);
  return id;
}

OURO_INTERPOSE guint
g_timeout_add_full (gint           priority,
                    guint          interval,
                    GSourceFunc    function,
                    gpointer       data,
                    GDestroyNotify notify)
{
  holders_resolve ();
  if (function == NULL || !holders_follows (data, notify))
    return real_timeout_add_full (priority, interval, function, data, notify);
  return holders_add_source (g_timeout_source_new (interval), priority, G_PRIORITY_DEFAULT,
                             function, data, notify, HOLDERS_TIMEOUT, interval,
                             (guintptr) __builtin_return_address (0));
}

OURO_INTERPOSE guint
g_timeout_add_seconds_full (gint           priority,
                            guint          interval,
                            GSourceFunc    function,
                            gpointer       data,
                            GDestroyNotify notify)
{
  holders_resolve ();
  if (function == NULL || !holders_follows (data, notify))
    return real_timeout_add_seconds_full (priority, interval, function, data, notify);
  return holders_add_source (g_timeout_source_new_seconds (interval), priority,
                             G_PRIORITY_DEFAULT, function, data, notify,
                             HOLDERS_TIMEOUT_SECONDS, interval,
                             (guintptr) __builtin_return_address (0));
}

OURO_INTERPOSE guint
g_idle_add_full (gint           priority,
                 GSourceFunc    function,
                 gpointer       data,
                 GDestroyNotify notify)
{
  holders_resolve ();
  if (function == NULL || !holders_follows (data, notify))
    return real_idle_add_full (priority, function, data, notify);
  return holders_add_source (g_idle_source_new (), priority, G_PRIORITY_DEFAULT_IDLE,
                             function, data, notify, HOLDERS_IDLE, 0,
                             (guintptr) __builtin_return_address (0));
}

OURO_INTERPOSE void
g_source_set_callback (GSource        *source,
                       GSourceFunc     func,
                       gpointer        data,
                       GDestroyNotify  notify)
{
  holders_resolve ();
  if (source == NULL || !holders_follows (data, notify))
    {
      real_set_callback (source, func, data, notify);
      return;
    }
  /* The caller's reference keeps @source while it is recorded. */
  real_set_callback (source, func, data, holders_source_released);
  holders_record_source (source, data, notify, HOLDERS_SOURCE, 0,
                         (guintptr) __builtin_return_address (0));
}

/* ---- the holder function ---------------------------------------------- */

/* What a source holder says, copied under the lock. */
typedef struct {
  char     *holder;
  guintptr  caller;
} HolderText;

/* Requires the lock, and @record holding. */
static char *
holders_describe_source (const SourceRecord *record)
{
  /* Read now: g_source_set_callback () may come before g_source_attach (). */
  GMainContext *attached = g_atomic_pointer_get (&record->source->context);
  const char *context = attached == NULL ? "not attached to a main context"
                        : attached == holders_default_context ? "default main context"
                        : "another main context";

  switch (record->kind)
    {
    case HOLDERS_TIMEOUT:
      return g_strdup_printf ("timeout source (%u ms, %s)", record->interval, context);
    case HOLDERS_TIMEOUT_SECONDS:
      return g_strdup_printf ("timeout source (%u s, %s)", record->interval, context);
    case HOLDERS_IDLE:
      return g_strdup_printf ("idle source (%s)", context);
    case HOLDERS_SOURCE:
    default:
      if (record->name != NULL)
        return g_strdup_printf ("source \"%s\" (%s)", record->name, context);
      return g_strdup_printf ("source (%s)", context);
    }
}

/* Whether @function (a symbolised frame, "clock_face_init (clock.c:26)")
 * is named after @type_name (ClockFace: "clock_face_"), as GObject code
 * names the functions of a type. */
static gboolean
holders_is_type_code (const char *function,
                      const char *type_name)
{
  GString *prefix = g_string_new (NULL);
  gboolean matches;

  for (const char *p = type_name; *p != '\0'; p++)
    {
      if (g_ascii_isupper (*p) && p != type_name
          && (g_ascii_islower (p[-1]) || (p[1] != '\0' && g_ascii_islower (p[1]))))
        g_string_append_c (prefix, '_');
      g_string_append_c (prefix, g_ascii_tolower (*p));
    }
  g_string_append_c (prefix, '_');
  matches = g_str_has_prefix (function, prefix->str);
  g_string_free (prefix, TRUE);
  return matches;
}

/* The holder function: with the registry locked, on the scanning thread,
 * for an object held from outside. */
static void
holders_explain (gpointer         object,
                 OuroExplanation *explanation,
                 gpointer         user_data)
{
  GArray *texts = g_array_new (FALSE, FALSE, sizeof (HolderText));
  OuroGObjectSymboliseFunc symbolise = g_atomic_pointer_get (&holders_symbolise);
  GPtrArray *records;

  if (!G_TYPE_CHECK_INSTANCE_TYPE (object, G_TYPE_OBJECT))
    {
      g_array_unref (texts);
      return;
    }

  pthread_mutex_lock (&holders_lock);
  records = holders_sources != NULL ? g_hash_table_lookup (holders_sources, object) : NULL;
  for (guint i = 0; records != NULL && i < records->len; i++)
    {
      SourceRecord *record = records->pdata[i];

      if (holders_source_holds (record))
        {
          HolderText text = { holders_describe_source (record), record->caller };
          g_array_append_val (texts, text);
        }
    }
  pthread_mutex_unlock (&holders_lock);

  /* Symbolised outside the lock: the ledger's symboliser takes its own. */
  for (guint i = 0; i < texts->len; i++)
    {
      HolderText *text = &g_array_index (texts, HolderText, i);
      char *frame = symbolise != NULL ? symbolise (text->caller)
                                      : ouro_gobject_symbolise_dladdr (text->caller);
      const char *frames[] = { frame, NULL };
      gboolean own = holders_is_type_code (frame, G_OBJECT_TYPE_NAME (object));

      ouro_explanation_add_holder (explanation, 1, text->holder,
                                   own ? "likely leak: a source holding its own object keeps "
                                         "it alive forever unless removed" : NULL,
                                   frames);
      g_free (frame);
      g_free (text->holder);
    }
  g_array_unref (texts);

  ouro_gobject_tasks_explain (object, explanation, symbolise);

  if (ouro_gobject_has_toggle_ref (object))
    ouro_explanation_add_holder (explanation, 1,
                                 "a language binding (toggle reference)", NULL, NULL);
}

void
ouro_gobject_holders_init (void)
{
  holders_resolve ();
  holders_default_context = g_main_context_default ();
  ouro_add_fork_lock (holders_lock_acquire, holders_lock_release);
  ouro_gobject_tasks_init ();
  ouro_set_holder_func (holders_explain, NULL);
}
