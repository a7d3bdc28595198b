/* glib-app.c — an unmodified GObject program for `ouro run` tests: it
 * never includes or links Ouro.
 *
 * Single-threaded.  Usage: glib-app MODE, where MODE is
 *   cycle   leaks an Owner <-> Child cycle (the child's signal handler
 *           holds its owner) and exits 0
 *   clean   the same objects connected with g_signal_connect_object: no
 *           cycle; exits 0
 *   status  exits with status 7 (the status must come through `ouro run`)
 *   loop    leaks the cycle, prints "ready", runs a main loop until SIGTERM
 *           (or 60 s)
 *   busy    leaks the cycle, prints "ready", sleeps without a main loop
 *           until SIGTERM (or 60 s)
 *   killable-loop  like loop, with no signal handler of its own: SIGINT
 *           and SIGTERM do what they do to any program (or it exits 0
 *           after 60 s)
 *   killable-busy  like busy, with no signal handler of its own
 *   fork-kill  leaks the cycle, forks a child that waits without exec,
 *           kills it with SIGTERM, prints "child killed by signal N" (or
 *           "child exited N") and exits 0
 *   stash   keeps an extra reference to an object in a static (no cycle:
 *           the ledger must say where it was taken), and one to another
 *           object that GLib takes for it (g_ptr_array_copy with
 *           g_object_ref: the ledger must name the program's line), and
 *           exits 0
 *   child   runs `sh -c 'echo "LD_PRELOAD=$LD_PRELOAD"'` and exits 0
 *   source-leak  an owner adds a 250 ms timeout holding itself (never
 *           removed; no cycle: the report must name the source) and exits 0
 *   grow    prints "ready", runs a main loop until SIGTERM (or 60 s); on
 *           each SIGHUP keeps 10 more AppChild in a static array, a cache
 *           that never empties, and prints "grew"
 *   field-cycle  the owner's child keeps a reference to its owner in a
 *           plain struct field, never dropped: a cycle only memory shows
 *           (probable garbage, "field back"), and exits 0
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib-object.h>
#include <glib-unix.h>

/* ---- two plain classes ------------------------------------------------- */

#define APP_TYPE_CHILD (app_child_get_type ())
G_DECLARE_FINAL_TYPE (AppChild, app_child, APP, CHILD, GObject)
/* back: a plain field only field-cycle sets, to a reference. */
struct _AppChild { GObject parent_instance; GObject *back; };
G_DEFINE_FINAL_TYPE (AppChild, app_child, G_TYPE_OBJECT)

static void
app_child_class_init (AppChildClass *klass)
{
  g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
app_child_init (AppChild *self)
{
}

#define APP_TYPE_OWNER (app_owner_get_type ())
G_DECLARE_FINAL_TYPE (AppOwner, app_owner, APP, OWNER, GObject)
/* The owner keeps its child as object data (a reference Ouro sees without
 * being told: a plain struct field would need OURO_GOBJECT_ADD_FIELD) and
 * a borrowed pointer for convenience. */
struct _AppOwner { GObject parent_instance; AppChild *child; };
G_DEFINE_FINAL_TYPE (AppOwner, app_owner, G_TYPE_OBJECT)

static void
app_owner_dispose (GObject *object)
{
  AppOwner *self = APP_OWNER (object);

  self->child = NULL;
  g_object_set_data (object, "app-child", NULL);
  G_OBJECT_CLASS (app_owner_parent_class)->dispose (object);
}

static void
app_owner_class_init (AppOwnerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = app_owner_dispose;
}

static void
app_owner_init (AppOwner *self)
{
  self->child = g_object_new (APP_TYPE_CHILD, NULL);
  g_object_set_data_full (G_OBJECT (self), "app-child", self->child, g_object_unref);
}

static void
on_child_changed (AppChild *child,
                  AppOwner *owner)
{
}

/* The bug: the handler's data holds the owner, which holds the child. */
static AppOwner *
app_owner_new_leaky (void)
{
  AppOwner *owner = g_object_new (APP_TYPE_OWNER, NULL);

  g_signal_connect_data (owner->child, "changed", G_CALLBACK (on_child_changed),
                         g_object_ref (owner), (GClosureNotify) g_object_unref, 0);
  return owner;
}

static G_GNUC_NO_INLINE AppOwner *
app_owner_new_clean (void)
{
  AppOwner *owner = g_object_new (APP_TYPE_OWNER, NULL);

  g_signal_connect_object (owner->child, "changed", G_CALLBACK (on_child_changed), owner, 0);
  return owner;
}

/* ---- modes ------------------------------------------------------------- */

static volatile sig_atomic_t stop_requested;

static void
on_sigterm (int signum)
{
  stop_requested = 1;
}

static gboolean
quit_loop (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

/* Prints "ready" and waits for a signal that ends the program: runs @loop,
 * or sleeps without a main loop when it is NULL.  Returns after 60 s. */
static void
wait_ready (GMainLoop *loop)
{
  printf ("ready\n");
  fflush (stdout);
  if (loop != NULL)
    {
      /* Never outlive a test that failed before sending its signal. */
      g_timeout_add_seconds (60, quit_loop, loop);
      g_main_loop_run (loop);
    }
  else
    {
      for (guint i = 0; i < 6000 && !stop_requested; i++)   /* 60 s at most */
        g_usleep (10 * 1000);
    }
}

/* grow: a cache that only ever grows. */
static GPtrArray *app_cache;

static gboolean
grow_cache (gpointer data)
{
  for (guint i = 0; i < 10; i++)
    g_ptr_array_add (app_cache, g_object_new (APP_TYPE_CHILD, NULL));
  printf ("grew\n");
  fflush (stdout);
  return G_SOURCE_CONTINUE;
}

AppOwner *app_stashed;   /* global: a store the compiler must keep */

/* Not inlined, as a function in another file would not be: the ledger
 * tells call sites apart by their stack frames, which inlining merges. */
static G_GNUC_NO_INLINE void
stash_reference (AppOwner *owner)
{
  app_stashed = g_object_ref (owner);
}

static gboolean
app_owner_poll (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* The owner's own code adds the source; not inlined, and not a tail call,
 * so its frame is the call site. */
static G_GNUC_NO_INLINE guint
app_owner_start_polling (AppOwner *self)
{
  guint id = g_timeout_add_full (G_PRIORITY_DEFAULT, 250, app_owner_poll, g_object_ref (self),
                                 g_object_unref);

  g_debug ("polling source %u", id);
  return id;
}

GPtrArray *app_stashed_copy;   /* global, as app_stashed */

/* GLib takes the reference, on this function's behalf. */
static G_GNUC_NO_INLINE void
stash_in_copy (AppOwner *owner)
{
  GPtrArray *one = g_ptr_array_new ();

  g_ptr_array_add (one, owner);
  app_stashed_copy = g_ptr_array_copy (one, (GCopyFunc) (void (*) (void)) g_object_ref, NULL);
  g_ptr_array_unref (one);
}

int
main (int    argc,
      char **argv)
{
  const char *mode = argc > 1 ? argv[1] : "";

  if (strcmp (mode, "cycle") == 0)
    g_object_unref (app_owner_new_leaky ());
  else if (strcmp (mode, "clean") == 0)
    g_object_unref (app_owner_new_clean ());
  else if (strcmp (mode, "status") == 0)
    return 7;
  else if (strcmp (mode, "loop") == 0 || strcmp (mode, "killable-loop") == 0
           || strcmp (mode, "busy") == 0 || strcmp (mode, "killable-busy") == 0)
    {
      GMainLoop *loop = g_str_has_suffix (mode, "loop") ? g_main_loop_new (NULL, FALSE) : NULL;

      g_object_unref (app_owner_new_leaky ());
      /* loop and busy end on SIGTERM by themselves; the killable modes
       * leave every signal its default action. */
      if (strcmp (mode, "loop") == 0)
        g_unix_signal_add (SIGTERM, quit_loop, loop);
      else if (strcmp (mode, "busy") == 0)
        signal (SIGTERM, on_sigterm);
      wait_ready (loop);
      g_clear_pointer (&loop, g_main_loop_unref);
    }
  else if (strcmp (mode, "fork-kill") == 0)
    {
      int status = 0;
      pid_t child;

      g_object_unref (app_owner_new_leaky ());
      child = fork ();
      if (child < 0)
        return 1;
      if (child == 0)
        {
          alarm (60);   /* never outlive a parent that failed to kill it */
          for (;;)
            pause ();
        }
      kill (child, SIGTERM);
      if (waitpid (child, &status, 0) != child)
        return 1;
      if (WIFSIGNALED (status))
        printf ("child killed by signal %d\n", WTERMSIG (status));
      else
        printf ("child exited %d\n", WEXITSTATUS (status));
    }
  else if (strcmp (mode, "stash") == 0)
    {
      AppOwner *owner = app_owner_new_clean ();
      AppOwner *copied = app_owner_new_clean ();

      stash_reference (owner);
      g_object_unref (owner);
      stash_in_copy (copied);
      g_object_unref (copied);
    }
  else if (strcmp (mode, "source-leak") == 0)
    {
      AppOwner *owner = app_owner_new_clean ();

      app_owner_start_polling (owner);
      g_object_unref (owner);
    }
  else if (strcmp (mode, "grow") == 0)
    {
      GMainLoop *loop = g_main_loop_new (NULL, FALSE);

      app_cache = g_ptr_array_new ();
      g_unix_signal_add (SIGHUP, grow_cache, NULL);
      g_unix_signal_add (SIGTERM, quit_loop, loop);
      wait_ready (loop);
      g_main_loop_unref (loop);
    }
  else if (strcmp (mode, "field-cycle") == 0)
    {
      AppOwner *owner = app_owner_new_clean ();

      owner->child->back = g_object_ref (G_OBJECT (owner));
      g_object_unref (owner);
    }
  else if (strcmp (mode, "child") == 0)
    {
      char *argv_child[] = { (char *) "/bin/sh", (char *) "-c",
                             (char *) "echo \"LD_PRELOAD=$LD_PRELOAD\"", NULL };
      char *out = NULL;
      int status = 0;

      if (!g_spawn_sync (NULL, argv_child, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL,
                         &status, NULL))
        return 1;
      printf ("%s", out);
      g_free (out);
    }
  else
    {
      fprintf (stderr, "usage: glib-app cycle|clean|status|loop|busy|killable-loop|"
                       "killable-busy|fork-kill|stash|source-leak|grow|field-cycle|child\n");
      return 2;
    }
  return 0;
}
