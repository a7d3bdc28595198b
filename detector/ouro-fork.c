/* ouro-fork.c — a child forked from a tracking program keeps a usable
 * registry.
 *
 * MT safe.
 *
 * fork () copies memory as it is and only the thread that called it.  A
 * lock another thread held at that instant stays held in the child, by a
 * thread that does not exist there: the child's first ouro_track (), or
 * the first qdata it sets, would hang.  The pthread_atfork handlers below
 * take every lock Ouro has before the fork, in the order a scan takes
 * them (the registry first, then the glue's, in the order they were
 * added), and release them after it, in parent and child alike.  So the
 * child starts with free locks and a registry between two operations.
 * (The ledger has its own handlers, in ouro-gobject-ledger.c.)
 *
 * A thread that forks while it scans (from inside a traverse or describe)
 * would wait for itself: not supported, and not a thing to do.
 */
#include "config.h"

#include <pthread.h>

#include "ouro-fork.h"
#include "ouro-fork-private.h"
#include "ouro-registry-private.h"

#define FORK_MAX_LOCKS 16

typedef struct {
  OuroLockFunc lock;
  OuroLockFunc unlock;
} ForkLock;

/* Written under fork_lock; read by the handlers, which run with it held. */
static pthread_mutex_t fork_lock = PTHREAD_MUTEX_INITIALIZER;
static ForkLock        fork_locks[FORK_MAX_LOCKS];
static guint           fork_n_locks;
static pthread_once_t  fork_once = PTHREAD_ONCE_INIT;

/* After it: the registry and every added lock are held by this thread. */
static void
fork_prepare (void)
{
  pthread_mutex_lock (&fork_lock);
  ouro_registry_lock ();
  for (guint i = 0; i < fork_n_locks; i++)
    fork_locks[i].lock ();
}

/* After it (in parent and child): every lock fork_prepare took is free. */
static void
fork_release (void)
{
  for (guint i = fork_n_locks; i > 0; i--)
    fork_locks[i - 1].unlock ();
  ouro_registry_unlock ();
  pthread_mutex_unlock (&fork_lock);
}

static void
fork_install (void)
{
  pthread_atfork (fork_prepare, fork_release, fork_release);
}

void
ouro_fork_ensure_handlers (void)
{
  pthread_once (&fork_once, fork_install);
}

/**
 * ouro_add_fork_lock:
 * @lock: takes the lock
 * @unlock: releases it
 *
 * Has fork () take a lock of yours along with Ouro's: for an object
 * system's glue whose traverse (or describe) takes a lock of its own while
 * Ouro scans.  From then on, fork () from any thread takes Ouro's registry,
 * then the locks added before, then @lock; and releases them all after, in
 * parent and child, so the child starts with every one free.  Code holding
 * @lock must never track, untrack or scan, nor take a lock added before.
 * At most 16 locks.
 */
void
ouro_add_fork_lock (OuroLockFunc lock,
                    OuroLockFunc unlock)
{
  g_return_if_fail (lock != NULL && unlock != NULL);

  ouro_fork_ensure_handlers ();
  pthread_mutex_lock (&fork_lock);
  if (fork_n_locks < FORK_MAX_LOCKS)
    fork_locks[fork_n_locks++] = (ForkLock) { lock, unlock };
  else
    g_critical ("ouro_add_fork_lock: no room for more than %d locks", FORK_MAX_LOCKS);
  pthread_mutex_unlock (&fork_lock);
}
