/* ouro-gobject-tasks.c — pending GTasks as holders: a task holds its
 * source object until it is finalized, and a pending call's user data is
 * a reference its caller passed, released by a callback that has not run.
 * Reports name them for an object held from outside ("held by").
 *
 * MT safe: the set of live tasks has its own lock, taken after the
 * registry lock (the holder function runs under it) and by the tracking
 * hooks, which hold no other lock of Ouro's; no GLib or application code
 * runs under it but GTask's field getters.
 *
 * Why not an edge: a GTask is a tracked GObject, so "task -> source
 * object" could be one, but the task is held from outside itself (by the
 * thread running it, or the main context about to call back), and the
 * object it was started for would then vanish from the roots behind a
 * GTask that says nothing.  Named as a holder, the object stays listed,
 * with what holds it.  Neither changes what is garbage.
 *
 * What is read: GIO calls g_task_new () directly (libgio binds its own
 * symbols), so nothing is interposed.  The tracking hooks put every GTask
 * in a set when it is constructed and take it out when it is finalized,
 * before it is freed (the removal waits for this lock), so a task in the
 * set is readable while the lock is held.  Its source object, source tag,
 * cancellable and priority come from GTask's public getters, plain field
 * accessors in GLib 2.74.6 (gio/gtask.c); the callback and its user data
 * have no getter and are read from GLib 2.74's struct _GTask, mirrored
 * below, and only when every field the getters give matches the mirror,
 * for that task, and the running GLib is 2.74.  Otherwise the task is
 * named by its source object only.
 */
#include "config.h"

#include <dlfcn.h>
#include <pthread.h>
#include <string.h>

#include "ouro-gobject-private.h"


/* GLib 2.74.6 gio/gtask.c, struct _GTask, up to the members read here. */
typedef struct {
  GObject             parent_instance;
  gpointer            source_object;
  gpointer            source_tag;
  gchar              *name;
  gpointer            task_data;
  GDestroyNotify      task_data_destroy;
  gpointer            context;
  gint64              creation_time;
  gint                priority;
  gpointer            cancellable;
  gpointer            callback;
  gpointer            callback_data;
} TaskMirror;

/* GIO's getters, looked up when the first GTask is constructed (the glue
 * does not link against GIO). */
typedef gpointer (*TaskGetPointer) (gpointer task);
typedef gint     (*TaskGetInt)     (gpointer task);
static struct {
  TaskGetPointer source_object;
  TaskGetPointer source_tag;
  TaskGetPointer cancellable;
  TaskGetPointer context;
  TaskGetInt     priority;
  TaskGetInt     completed;
} gio;
static gboolean tasks_usable;   /* written before tasks_type is published */

static pthread_mutex_t tasks_lock = PTHREAD_MUTEX_INITIALIZER;
static GHashTable     *tasks_live;    /* GTask * -> itself, under the lock */
static GType           tasks_type;    /* atomic; 0 until a GTask was constructed */

static void tasks_lock_acquire (void) { pthread_mutex_lock (&tasks_lock); }
static void tasks_lock_release (void) { pthread_mutex_unlock (&tasks_lock); }

void
ouro_gobject_tasks_init (void)
{
  ouro_add_fork_lock (tasks_lock_acquire, tasks_lock_release);
}

/* Until the first GTask: types known not to be GTask, direct-mapped, so
 * a program that makes none pays a load and a compare per object, not a
 * type-name comparison (each slot is one atomic word: a race only costs a
 * strcmp ()). */
#define TASKS_NOT_TASK_SLOTS 64
static gpointer tasks_not_task[TASKS_NOT_TASK_SLOTS];

/* Whether @object is a GTask; learns GTask's type from the first one. */
static inline gboolean
tasks_is_task (GObject *object)
{
  GType type = (GType) g_atomic_pointer_get ((gpointer *) &tasks_type);
  GType object_type = G_OBJECT_TYPE (object);
  guint slot = (object_type >> 2) % TASKS_NOT_TASK_SLOTS;

  if (G_LIKELY (type != 0))
    return object_type == type;
  if (G_LIKELY (g_atomic_pointer_get (&tasks_not_task[slot]) == (gpointer) object_type))
    return FALSE;
  if (strcmp (G_OBJECT_TYPE_NAME (object), "GTask") != 0)
    {
      g_atomic_pointer_set (&tasks_not_task[slot], (gpointer) object_type);
      return FALSE;
    }
  gio.source_object = (TaskGetPointer) dlsym (RTLD_DEFAULT, "g_task_get_source_object");
  gio.source_tag = (TaskGetPointer) dlsym (RTLD_DEFAULT, "g_task_get_source_tag");
  gio.cancellable = (TaskGetPointer) dlsym (RTLD_DEFAULT, "g_task_get_cancellable");
  gio.context = (TaskGetPointer) dlsym (RTLD_DEFAULT, "g_task_get_context");
  gio.priority = (TaskGetInt) dlsym (RTLD_DEFAULT, "g_task_get_priority");
  gio.completed = (TaskGetInt) dlsym (RTLD_DEFAULT, "g_task_get_completed");
  tasks_usable = gio.source_object != NULL && gio.source_tag != NULL && gio.cancellable != NULL
                 && gio.context != NULL && gio.priority != NULL && gio.completed != NULL;
  g_atomic_pointer_set ((gpointer *) &tasks_type, (gpointer) G_OBJECT_TYPE (object));
  return TRUE;
}

void
ouro_gobject_tasks_note_constructed (GObject *object)
{
  if (!tasks_is_task (object))
    return;
  pthread_mutex_lock (&tasks_lock);
  if (tasks_live == NULL)
    tasks_live = g_hash_table_new (NULL, NULL);
  g_hash_table_add (tasks_live, object);
  pthread_mutex_unlock (&tasks_lock);
}

void
ouro_gobject_tasks_note_finalized (GObject *object)
{
  if (g_atomic_pointer_get ((gpointer *) &tasks_type) == NULL || !tasks_is_task (object))
    return;
  pthread_mutex_lock (&tasks_lock);
  if (tasks_live != NULL)
    g_hash_table_remove (tasks_live, object);
  pthread_mutex_unlock (&tasks_lock);
}

/* Whether @task's mirror can be read: GLib 2.74, and every member a getter
 * gives is where the mirror says. */
static gboolean
tasks_mirror_matches (gpointer task)
{
  const TaskMirror *mirror = task;

  return glib_major_version == 2 && glib_minor_version == 74
         && mirror->source_object == gio.source_object (task)
         && mirror->source_tag == gio.source_tag (task)
         && mirror->cancellable == gio.cancellable (task)
         && mirror->priority == gio.priority (task)
         && mirror->context == gio.context (task);
}

/* What is known of one task that holds the object asked about. */
typedef struct {
  gpointer  task;
  gboolean  source;          /* the object is its source object */
  gboolean  completed;
  gpointer  source_tag;
  gpointer  callback;        /* NULL unless the object is its user data */
  gpointer  source_object;   /* compared and printed, never read */
  const char *source_type;   /* static (g_type_name), when it has one */
} TaskHold;

/* A function's name, from the symboliser (which names return addresses:
 * given the entry + 1, it names the entry), without the "+0x1". */
static char *
tasks_name_function (OuroGObjectSymboliseFunc symbolise,
                     gpointer                 function)
{
  guintptr address = (guintptr) function + 1;
  char *name = symbolise != NULL ? symbolise (address) : ouro_gobject_symbolise_dladdr (address);
  char *offset = strstr (name, "+0x1 ");

  if (offset != NULL)
    memmove (offset, offset + 4, strlen (offset + 4) + 1);
  return name;
}

void
ouro_gobject_tasks_explain (GObject                 *object,
                            OuroExplanation         *explanation,
                            OuroGObjectSymboliseFunc symbolise)
{
  GArray *holds = g_array_new (FALSE, FALSE, sizeof (TaskHold));
  GHashTableIter iter;
  gpointer key;

  if (g_atomic_pointer_get ((gpointer *) &tasks_type) == NULL || !tasks_usable)
    {
      g_array_unref (holds);
      return;
    }
  pthread_mutex_lock (&tasks_lock);
  if (tasks_live != NULL)
    {
      g_hash_table_iter_init (&iter, tasks_live);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        {
          gpointer task = key;
          TaskHold hold = { task, FALSE, FALSE, NULL, NULL, NULL, NULL };
          gboolean readable;

          /* Being finalized: its source object is being let go. */
          if (g_atomic_int_get ((gint *) &G_OBJECT (task)->ref_count) == 0)
            continue;
          readable = tasks_mirror_matches (task);
          hold.source = gio.source_object (task) == (gpointer) object;
          hold.completed = gio.completed (task);
          if (readable && !hold.completed
              && ((const TaskMirror *) task)->callback_data == (gpointer) object)
            hold.callback = ((const TaskMirror *) task)->callback;
          if (!hold.source && hold.callback == NULL)
            continue;
          hold.source_tag = gio.source_tag (task);
          /* The task holds its source object: alive while the task is. */
          hold.source_object = gio.source_object (task);
          if (hold.source_object != NULL)
            hold.source_type = G_OBJECT_TYPE_NAME (hold.source_object);
          g_array_append_val (holds, hold);
        }
    }
  pthread_mutex_unlock (&tasks_lock);

  /* Named outside the lock: the ledger's symboliser takes its own.  A
   * function with no name to give (GIO's static ones: "0x… (libgio…)")
   * is left out. */
  for (guint i = 0; i < holds->len; i++)
    {
      TaskHold *hold = &g_array_index (holds, TaskHold, i);
      char *tag = hold->source_tag != NULL ? tasks_name_function (symbolise, hold->source_tag) : NULL;
      gboolean tag_named = tag != NULL && !g_str_has_prefix (tag, "0x");
      char *text;

      if (hold->source)
        {
          text = g_strdup_printf ("GTask %p (%s%s%s): its source object", hold->task,
                                  tag_named ? tag : "", tag_named ? ", " : "",
                                  hold->completed ? "completed, not yet freed" : "pending");
          ouro_explanation_add_holder (explanation, 1, text, NULL, NULL);
          g_free (text);
        }
      if (hold->callback != NULL)
        {
          char *callback = tasks_name_function (symbolise, hold->callback);
          gpointer source = hold->source_object;
          GString *line = g_string_new ("user data of a pending call");

          if (tag_named)
            g_string_append_printf (line, " to %s", tag);
          if (source != NULL && source != (gpointer) object)
            g_string_append_printf (line, " on %s %p", hold->source_type, source);
          g_string_append_printf (line, " (GTask %p)", hold->task);
          if (!g_str_has_prefix (callback, "0x"))
            g_string_append_printf (line, ", released when its callback %s runs", callback);
          ouro_explanation_add_holder (explanation, 1, line->str,
                                       "a reference passed as a call's user data lives until "
                                       "the call completes: one that never does keeps the "
                                       "object alive", NULL);
          g_string_free (line, TRUE);
          g_free (callback);
        }
      g_free (tag);
    }
  g_array_unref (holds);
}
